import type { ParameterKind } from '../schemas/types';
import type { Random } from './random';

/** One reading as the simulator sent it, for checking what was stored against what was sent. */
export interface SentReading {
  /** Series path `/<tenant>/<site>/<device>/<metric>`. */
  path: string;
  /** Event time, epoch ms (the payload's `ts`). */
  ts: number;
  value: number;
  kind: ParameterKind;
  unit: string;
}

export interface DeviceAddress {
  tenant: string;
  site: string;
  device: string;
}

export function deviceTopic(address: DeviceAddress): string {
  return `fleet/${address.tenant}/${address.site}/${address.device}/up`;
}

export function seriesPath(address: DeviceAddress, metric: string): string {
  return `/${address.tenant}/${address.site}/${address.device}/${metric}`;
}

/**
 * The batch payload the source connector accepts: one message carries every
 * metric of a device at one event time.
 * `{"ts":<epoch ms>,"readings":{"<metric>":<number>},"kinds":{"<metric>":"<kind>"},"units":{"<metric>":"<unit>"}}`
 */
export function batchPayload(ts: number, readings: { metric: string; value: number; kind: ParameterKind; unit: string }[]): string {
  const values: Record<string, number> = {};
  const kinds: Record<string, ParameterKind> = {};
  const units: Record<string, string> = {};
  for (const r of readings) {
    values[r.metric] = r.value;
    kinds[r.metric] = r.kind;
    units[r.metric] = r.unit;
  }
  return JSON.stringify({ ts, readings: values, kinds, units });
}

/** The kinds of bad message the simulator can inject; each must end up dead-lettered, none may crash a component. */
export const malformedVariants = [
  'broken-json',
  'nan-value',
  'string-value',
  'empty-readings',
  'unknown-kind',
  'ts-not-a-number',
  'not-json',
  'empty-payload',
  'topic-outside-scheme',
] as const;

export type MalformedVariant = (typeof malformedVariants)[number];

export interface MalformedMessage {
  variant: MalformedVariant;
  topic: string;
  payload: Buffer;
}

/**
 * A bad message from `address`, built from a valid payload `valid` of the same
 * device. `topic-outside-scheme` drops the device level
 * (`fleet/<tenant>/<site>/up`): it reaches a connector subscribed to `fleet/#`,
 * not one subscribed to `fleet/+/+/+/up`.
 */
export function malformedMessage(variant: MalformedVariant, address: DeviceAddress, ts: number, random: Random): MalformedMessage {
  const topic = deviceTopic(address);
  const text = (s: string): MalformedMessage => ({ variant, topic, payload: Buffer.from(s, 'utf8') });
  switch (variant) {
    case 'broken-json': {
      const valid = batchPayload(ts, [{ metric: 'temperature', value: 21.5, kind: 'non_additive', unit: 'degC' }]);
      return text(valid.slice(0, 1 + random.integer(valid.length - 2)));
    }
    case 'nan-value':
      // JSON has no NaN: this is what a careless firmware prints
      return text(`{"ts":${ts},"readings":{"temperature":NaN},"kinds":{"temperature":"non_additive"}}`);
    case 'string-value':
      return text(JSON.stringify({ ts, readings: { temperature: 'warm' }, kinds: { temperature: 'non_additive' } }));
    case 'empty-readings':
      return text(JSON.stringify({ ts, readings: {} }));
    case 'unknown-kind':
      return text(JSON.stringify({ ts, readings: { temperature: 20 }, kinds: { temperature: 'average' } }));
    case 'ts-not-a-number':
      return text(JSON.stringify({ ts: new Date(ts).toISOString(), readings: { temperature: 20 }, kinds: { temperature: 'non_additive' } }));
    case 'not-json':
      return { variant, topic, payload: Buffer.from([0xff, 0xfe, 0x00, 0x13, 0x37, random.integer(256)]) };
    case 'empty-payload':
      return { variant, topic, payload: Buffer.alloc(0) };
    case 'topic-outside-scheme':
      return {
        variant,
        topic: `fleet/${address.tenant}/${address.site}/up`,
        payload: Buffer.from(batchPayload(ts, [{ metric: 'temperature', value: 20, kind: 'non_additive', unit: 'degC' }])),
      };
  }
}
