import type { Message } from 'kafkajs';
import { AvroCodec } from '../../schemas/avro-codec';
import { avroSchemas } from '../../schemas/avro-schemas';
import type { RegistryClient } from '../../schemas/registry-client';
import type { DeadLetter, Rollup } from '../../schemas/types';
import { parseInvalidation } from './invalidation';
import { partitionForPath } from './key-partition';
import type { Emission, SeriesMeta } from './partition-windows';
import type { TopicOutputs } from '../../lib/kafka-transaction';
import { StageRecords } from './stage-records';
import { summarizeReadings } from './window-aggregate';

const minute = 60_000;
const T0 = Date.UTC(2026, 0, 1);
const NOW = T0 + 5 * minute;

/** Codecs registered with a registry that holds every subject at BACKWARD under schema id 1: encoding needs no server. */
async function codec<T>(schema: string): Promise<AvroCodec<T>> {
  const registry = { getConfig: async () => ({ compatibilityLevel: 'BACKWARD' }), getId: async () => 1 } as unknown as RegistryClient;
  const c = new AvroCodec<T>(registry, 'subject', schema);
  await c.register();
  return c;
}

const decoded = <T>(c: AvroCodec<T>, message: Message) => c.type.fromBuffer((message.value as Buffer).subarray(5)) as T;
const meta = (device: string): SeriesMeta => ({ path: `/t/s/${device}/temperature`, tenant: 't', site: 's', device, metric: 'temperature', kind: 'non_additive' });
const emission = (series: SeriesMeta, start: number, final: boolean, values: number[]): Emission => ({
  meta: series,
  windowStart: start,
  windowEnd: start + minute,
  values: summarizeReadings('non_additive', values.map((value, i) => ({ time: start + i * 1000, value })), undefined),
  final,
});

async function records() {
  const rollupCodec = await codec<Rollup>(avroSchemas.Rollup);
  const deadLetterCodec = await codec<DeadLetter>(avroSchemas.DeadLetter);
  const config = { name: 'rollups-1m', resolution: '1m', inputTopic: 'in', outputTopic: 'out', changelogTopic: 'state', invalidationsTopic: 'invalid', deadLetterTopic: 'dlq', rollupCodec, deadLetterCodec, now: () => NOW };
  return { build: new StageRecords(config, 6, 6), rollupCodec, deadLetterCodec };
}

describe('stage records', () => {
  it('rollups are keyed path@windowStart, partitioned by path alone, with their revision and resolution', async () => {
    const { build, rollupCodec } = await records();
    const outputs: TopicOutputs = new Map();
    const a = meta('d1');
    const b = meta('d2');
    build.rollups(outputs, [emission(a, T0, false, [20, 22]), emission(a, T0 + minute, true, [21]), emission(b, T0, true, [5])]);
    const sent = outputs.get('out')!;
    expect(sent.map((m) => [m.key, m.partition])).toEqual([
      [`${a.path}@${T0}`, partitionForPath('out', a.path, 6)],
      [`${a.path}@${T0 + minute}`, partitionForPath('out', a.path, 6)],
      [`${b.path}@${T0}`, partitionForPath('out', b.path, 6)],
    ]);
    expect(decoded(rollupCodec, sent[0]!)).toMatchObject({ path: a.path, resolution: '1m', windowStart: T0, count: 2, min: 20, max: 22, final: false, revision: 4 });
    expect(decoded(rollupCodec, sent[1]!)).toMatchObject({ count: 1, final: true, revision: 3, computedAt: NOW });
  });

  it('invalidations are keyed and partitioned by series path, and read back as written', async () => {
    const { build } = await records();
    const outputs: TopicOutputs = new Map();
    const a = meta('d1');
    build.invalidations(outputs, [
      { type: 'window', meta: a, resolution: '1m', windowStarts: [T0, T0 + minute], closedThrough: T0 + 2 * minute },
      { type: 'too_old', path: a.path, time: T0 - 30 * 24 * 60 * minute },
    ]);
    const sent = outputs.get('invalid')!;
    expect(sent.map((m) => [m.key, m.partition])).toEqual([
      [a.path, partitionForPath('invalid', a.path, 6)],
      [a.path, partitionForPath('invalid', a.path, 6)],
    ]);
    expect(parseInvalidation(Buffer.from(sent[0]!.value as string))).toEqual({ type: 'window', meta: a, resolution: '1m', windowStarts: [T0, T0 + minute], closedThrough: T0 + 2 * minute });
    // one window, as earlier versions wrote it
    const written = JSON.stringify({ type: 'window', meta: a, resolution: '1m', windowStart: T0, closedThrough: T0 + 2 * minute });
    expect(parseInvalidation(Buffer.from(written))).toEqual({ type: 'window', meta: a, resolution: '1m', windowStarts: [T0], closedThrough: T0 + 2 * minute });
    expect(parseInvalidation(Buffer.from(JSON.stringify({ type: 'window', meta: a, resolution: '1m', windowStarts: [], closedThrough: 0 })))).toBeUndefined();
    expect(parseInvalidation(Buffer.from(sent[1]!.value as string))).toMatchObject({ type: 'too_old', path: a.path });
    expect(parseInvalidation(Buffer.from('{"type":"window"}'))).toBeUndefined();
    expect(parseInvalidation(Buffer.from('not json'))).toBeUndefined();
  });

  it('changelog records go to the partition of the input partition whose state they hold', async () => {
    const { build } = await records();
    const outputs: TopicOutputs = new Map();
    const series = meta('d1');
    const snapshot = { meta: series, carry: null, progress: T0, closedThrough: T0 - minute };
    build.changelog(outputs, 4, { series: [[series.path, snapshot]], evicted: [], blocks: [{ id: 7, entries: [{ path: series.path, start: T0, json: '[1,2]' }] }], released: [], closedLegacy: [] });
    expect(outputs.get('state')).toEqual([
      { key: series.path, value: JSON.stringify(snapshot), partition: 4 },
      { key: '\u0000block:7', value: JSON.stringify([[series.path, T0, [1, 2]]]), partition: 4 },
    ]);
    build.changelog(outputs, 4, { series: [], evicted: [], blocks: [], released: [], closedLegacy: [] });
    expect(outputs.get('state')).toHaveLength(2);
  });

  it('a dead letter keeps the original bytes and says which stage rejected what, where, and why', async () => {
    const { build, deadLetterCodec } = await records();
    const outputs: TopicOutputs = new Map();
    build.deadLetter(outputs, { key: null, value: Buffer.from([0, 1, 2]), offset: '17', timestamp: '0', attributes: 0, headers: {} }, 2, 'undecodable', 'not Avro');
    const [sent] = outputs.get('dlq')!;
    expect(sent!.headers).toEqual({ 'fleet-reason': 'undecodable', 'fleet-source': 'rollups-1m' });
    expect(decoded(deadLetterCodec, sent!)).toMatchObject({ source: 'rollups-1m', reason: 'undecodable', message: 'not Avro', payload: Buffer.from([0, 1, 2]), sourceTopic: 'in', headers: { partition: '2', offset: '17' } });
  });

  it('restore markers: one per partition, no value', async () => {
    const { build } = await records();
    const outputs: TopicOutputs = new Map();
    build.restoreMarkers(outputs, 'm', [0, 3]);
    expect(outputs.get('state')).toEqual([{ key: 'm', value: null, partition: 0 }, { key: 'm', value: null, partition: 3 }]);
  });
});
