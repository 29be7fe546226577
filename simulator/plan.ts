import { createFleet, type SimulatedDevice } from './fleet';
import type { SimulationPlanOptions } from './options';
import { batchPayload, malformedMessage, type MalformedVariant, type SentReading } from './payload';
import { createRandom } from './random';

/** One MQTT message the simulator is about to publish. */
export interface PlannedMessage {
  deviceIndex: number;
  topic: string;
  payload: Buffer;
  type: 'regular' | 'duplicate' | 'malformed';
  /** A regular message published after a later one of the same device. */
  outOfOrder: boolean;
  /** The readings it carries (empty for malformed messages). */
  readings: SentReading[];
  variant?: MalformedVariant;
}

export interface FleetPlan {
  fleet: SimulatedDevice[];
  /** Regular messages generated so far (held-back ones included). */
  regularCount(): number;
  /** The messages of the next regular slot at wall-clock time `now`: none (held back), or one plus injections. */
  next(now: number): PlannedMessage[];
  /** Messages still held back for reordering, to publish at the end. */
  flush(): PlannedMessage[];
}

/**
 * The simulator's pure core: which device speaks next (round-robin), at which
 * event time, with which values, and which messages get duplicated, reordered
 * or accompanied by a malformed one. No I/O; the clock is passed in.
 */
export function createFleetPlan(options: SimulationPlanOptions): FleetPlan {
  const random = createRandom(options.seed);
  const fleet = createFleet(options, random.fork());
  const injections = random.fork();
  const held = new Map<number, PlannedMessage>();
  let regular = 0;

  function regularMessage(device: SimulatedDevice, now: number): PlannedMessage {
    const jitter = options.jitter > 0 ? Math.round(injections.between(-options.jitter, options.jitter)) : 0;
    const ts = Math.max(now + device.skewMs + jitter, device.lastTs + 1);
    device.lastTs = ts;
    const readings: SentReading[] = [];
    const batch = device.metrics.map((m) => {
      const value = m.signal.next(ts);
      readings.push({ path: m.path, ts, value, kind: m.kind, unit: m.unit });
      return { metric: m.metric, value, kind: m.kind, unit: m.unit };
    });
    return { deviceIndex: device.index, topic: device.topic, payload: Buffer.from(batchPayload(ts, batch)), type: 'regular', outOfOrder: false, readings };
  }

  return {
    fleet,
    regularCount: () => regular,
    next(now) {
      const device = fleet[regular % fleet.length] as SimulatedDevice;
      regular++;
      const message = regularMessage(device, now);
      const out: PlannedMessage[] = [];
      const earlier = held.get(device.index);
      if (earlier) {
        held.delete(device.index);
        out.push(message, { ...earlier, outOfOrder: true });
      } else if (injections.chance(options.outOfOrderFraction)) {
        held.set(device.index, message);
      } else {
        out.push(message);
      }
      if (injections.chance(options.duplicateFraction)) {
        out.push({ ...message, type: 'duplicate' });
      }
      if (injections.chance(options.malformedFraction)) {
        const variant = options.malformedVariants[injections.integer(options.malformedVariants.length)] as MalformedVariant;
        const bad = malformedMessage(variant, device, message.readings[0]?.ts ?? now, injections);
        out.push({ deviceIndex: device.index, topic: bad.topic, payload: bad.payload, type: 'malformed', outOfOrder: false, readings: [], variant });
      }
      return out;
    },
    flush() {
      // nothing later came from these devices: they go out last, still after their successors' slot
      const rest = [...held.values()].map((m) => ({ ...m, outOfOrder: false }));
      held.clear();
      return rest;
    },
  };
}
