/**
 * The messages of a fleet's buffered backlog, the way gateways flush their
 * buffers: each device's readings in time order, the devices interleaved
 * (message k is device k mod D's reading floor(k / D)), event times spread
 * evenly over [from, to). Pure: the bench publishes what it plans.
 *
 * Before the backlog, each device sends its recent readings: `recentMessages`
 * of them spread evenly over [to, currentAt], the last at `currentAt`. Its
 * series' event time is then now, and the rollups find the backlog's readings
 * late for windows those series already closed; over the recent span the
 * 1h and 1d stages close windows too, so the backlog's corrections are late
 * there as well and cascade. The recent values are what each signal reaches
 * after the backlog (computed by running a second fleet of the same seed
 * through it), so an energy meter's recent readings continue its backlog and
 * fake no counter reset.
 */
import { createFleet, type FleetShape, type SimulatedDevice } from '../../simulator/fleet';
import type { MetricName } from '../../simulator/metrics';
import { batchPayload } from '../../simulator/payload';
import { createRandom } from '../../simulator/random';

export interface BacklogShape {
  devices: number;
  /** Messages each device buffered; each carries one reading of every metric. */
  messagesPerDevice: number;
  metrics: MetricName[];
  tenantPrefix: string;
  /** Event times of the backlog, epoch ms: [from, to). */
  from: number;
  to: number;
  /** Event time of each device's last recent reading, at or after `to`. */
  currentAt: number;
  /** Recent messages per device, spread over [to, currentAt] (1: one, at currentAt). */
  recentMessages: number;
  seed: number;
  counterResetProbability: number;
}

/** One MQTT message of the plan. */
export interface BacklogMessage {
  deviceIndex: number;
  topic: string;
  payload: Buffer;
  /** Event time of its readings, epoch ms. */
  ts: number;
}

export interface BacklogPlan {
  /** Readings in the backlog (not counting the current ones). */
  readings: number;
  /** Messages in the backlog. */
  messages: number;
  /** Every series of the backlog's devices. */
  paths: string[];
  /** Each device's recent messages, in time order, the devices interleaved. */
  recent(): BacklogMessage[];
  /** The backlog's messages in publishing order. */
  backlog(): Generator<BacklogMessage>;
}

/** Event time of each device's `index`-th buffered reading. */
export function backlogTime(shape: Pick<BacklogShape, 'from' | 'to' | 'messagesPerDevice'>, index: number): number {
  return shape.from + Math.floor((index * (shape.to - shape.from)) / shape.messagesPerDevice);
}

function fleetOf(shape: BacklogShape): SimulatedDevice[] {
  const fleetShape: FleetShape = { devices: shape.devices, tenants: 1, sitesPerTenant: 4, tenantPrefix: shape.tenantPrefix, metrics: shape.metrics, clockSkew: 0, counterResetProbability: shape.counterResetProbability };
  return createFleet(fleetShape, createRandom(shape.seed));
}

function messageOf(device: SimulatedDevice, ts: number): BacklogMessage {
  const batch = device.metrics.map((m) => ({ metric: m.metric, value: m.signal.next(ts), kind: m.kind, unit: m.unit }));
  return { deviceIndex: device.index, topic: device.topic, payload: Buffer.from(batchPayload(ts, batch)), ts };
}

export function createBacklogPlan(shape: BacklogShape): BacklogPlan {
  if (!(shape.from < shape.to && shape.to <= shape.currentAt && shape.recentMessages >= 1)) throw new Error('a backlog needs from < to <= currentAt and a recent message at least');
  return {
    readings: shape.devices * shape.messagesPerDevice * shape.metrics.length,
    messages: shape.devices * shape.messagesPerDevice,
    paths: fleetOf(shape).flatMap((device) => device.metrics.map((m) => m.path)),
    recent() {
      const fleet = fleetOf(shape);
      for (const device of fleet) for (let i = 0; i < shape.messagesPerDevice; i++) for (const m of device.metrics) m.signal.next(backlogTime(shape, i));
      const messages: BacklogMessage[] = [];
      for (let k = 0; k < shape.recentMessages; k++) {
        const ts = shape.recentMessages === 1 ? shape.currentAt : shape.to + Math.floor((k * (shape.currentAt - shape.to)) / (shape.recentMessages - 1));
        for (const device of fleet) messages.push(messageOf(device, ts));
      }
      return messages;
    },
    *backlog() {
      const fleet = fleetOf(shape);
      for (let i = 0; i < shape.messagesPerDevice; i++) {
        const ts = backlogTime(shape, i);
        for (const device of fleet) yield messageOf(device, ts);
      }
    },
  };
}
