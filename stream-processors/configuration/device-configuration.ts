/**
 * One device's configuration state and what each input does to it. Pure: the
 * store (device-state-store.ts) loads the rows, runs these steps in record
 * order and writes the results back with the consumed offsets.
 *
 * Invariants:
 * - a device follows the assignment with the highest id it was given; an
 *   older or repeated one changes nothing (Kafka replays, two API replicas);
 * - only an acknowledgement whose version and sha256 both equal the current
 *   assignment's moves the state, and only when it says something new;
 * - PENDING and DELIVERED are re-delivered (re-published, retained) on a
 *   backoff schedule and whenever the device comes online, never at or past
 *   the deadline; at the deadline they are TIMED_OUT. A matching answer that
 *   comes later is still recorded: the deadline ends re-delivery, it does not
 *   make the device's answer untrue;
 * - every state change is returned, once, for the change log.
 */
import { awaitsAnswer, stateOfAck, type ConfigAck, type ConfigState } from '../../schemas/configuration';

export interface DeviceConfiguration {
  assignmentId: number | null;
  version: number | null;
  sha256: string | null;
  /** Epoch ms. */
  deadline: number | null;
  /** null: no configuration assigned yet (a row kept for the device's presence). */
  state: ConfigState | null;
  /** The device's `detail` of its last answer, or why it timed out. */
  detail: string | null;
  /** From its `status`: null while unknown. */
  online: boolean | null;
  /** Publications of the current assignment so far. */
  deliveries: number;
  /** When the retained configuration is to be published (again); null: not. */
  nextDeliveryAt: number | null;
  assignedAt: number | null;
  deliveredAt: number | null;
  answeredAt: number | null;
  stateChangedAt: number | null;
}

export const unconfigured: DeviceConfiguration = {
  assignmentId: null, version: null, sha256: null, deadline: null, state: null, detail: null, online: null,
  deliveries: 0, nextDeliveryAt: null, assignedAt: null, deliveredAt: null, answeredAt: null, stateChangedAt: null,
};

export interface NewAssignment {
  assignmentId: number;
  version: number;
  sha256: string;
  deadline: number;
}

export type ConfigurationInput =
  | { kind: 'assignment'; assignment: NewAssignment }
  | { kind: 'ack'; ack: ConfigAck }
  | { kind: 'presence'; online: boolean };

export interface StateChange {
  assignmentId: number;
  version: number;
  from: ConfigState | null;
  to: ConfigState;
  detail: string | null;
  at: number;
}

/** Why an input changed nothing. */
export type IgnoredInput = 'older_assignment' | 'no_configuration' | 'stale_ack' | 'repeated_ack';

export interface Step {
  device: DeviceConfiguration;
  change?: StateChange;
  ignored?: IgnoredInput;
}

/** Re-delivery: the first after `initialMs`, each next after twice as long, up to `maxMs`. */
export interface RedeliveryPolicy {
  initialMs: number;
  maxMs: number;
}

/** When the `deliveries`-th publication (from 1) is followed by the next one; null when that would be at or past the deadline. */
export function nextDeliveryAfter(deliveries: number, now: number, deadline: number, policy: RedeliveryPolicy): number | null {
  const delay = Math.min(policy.maxMs, policy.initialMs * 2 ** Math.min(deliveries - 1, 52));
  const at = now + delay;
  return at < deadline ? at : null;
}

function changed(device: DeviceConfiguration, from: ConfigState | null, to: ConfigState, detail: string | null, now: number): Step {
  const next = { ...device, state: to, stateChangedAt: now };
  return { device: next, change: { assignmentId: next.assignmentId!, version: next.version!, from, to, detail, at: now } };
}

export function applyInput(device: DeviceConfiguration, input: ConfigurationInput, now: number): Step {
  switch (input.kind) {
    case 'assignment':
      return assign(device, input.assignment, now);
    case 'ack':
      return acknowledge(device, input.ack, now);
    case 'presence':
      return presence(device, input.online, now);
  }
}

function assign(device: DeviceConfiguration, assignment: NewAssignment, now: number): Step {
  if (device.assignmentId !== null && assignment.assignmentId <= device.assignmentId) return { device, ignored: 'older_assignment' };
  const next: DeviceConfiguration = {
    ...device,
    ...assignment,
    detail: null,
    deliveries: 0,
    // published at once, even past its deadline (it is still the desired configuration); expiry follows the publication
    nextDeliveryAt: now,
    assignedAt: now,
    deliveredAt: null,
    answeredAt: null,
  };
  return changed(next, device.state, 'PENDING', null, now);
}

function acknowledge(device: DeviceConfiguration, ack: ConfigAck, now: number): Step {
  if (device.state === null) return { device, ignored: 'no_configuration' };
  if (ack.version !== device.version || ack.sha256 !== device.sha256) return { device, ignored: 'stale_ack' };
  // an answer comes from a connected device
  const heard = { ...device, online: true };
  const to = stateOfAck[ack.status];
  if (to === device.state) return { device: heard, ignored: 'repeated_ack' };
  return changed({ ...heard, detail: ack.detail, nextDeliveryAt: null, answeredAt: now }, device.state, to, ack.detail, now);
}

function presence(device: DeviceConfiguration, online: boolean, now: number): Step {
  if (!online) return { device: { ...device, online: false } };
  const next = { ...device, online: true };
  if (!awaitsAnswer(device.state)) return { device: next };
  // re-published on its return; and one already published is handed to it as it subscribes (retained)
  const due = { ...next, nextDeliveryAt: now };
  if (device.state === 'PENDING' && device.deliveries > 0) return changed({ ...due, deliveredAt: now }, 'PENDING', 'DELIVERED', null, now);
  return { device: due };
}

/** The retained configuration was just published (produced to the downlink topic). */
export function delivered(device: DeviceConfiguration, now: number, policy: RedeliveryPolicy): Step {
  if (!awaitsAnswer(device.state) || device.deadline === null) return { device };
  const deliveries = device.deliveries + 1;
  const next = { ...device, deliveries, nextDeliveryAt: nextDeliveryAfter(deliveries, now, device.deadline, policy) };
  if (device.state === 'PENDING' && device.online === true) return changed({ ...next, deliveredAt: now }, 'PENDING', 'DELIVERED', null, now);
  return { device: next };
}

/** TIMED_OUT once the deadline passed without a matching answer. */
export function expire(device: DeviceConfiguration, now: number): Step {
  if (!awaitsAnswer(device.state) || device.deadline === null || now < device.deadline) return { device };
  return changed({ ...device, nextDeliveryAt: null, detail: 'no matching acknowledgement by the deadline' }, device.state, 'TIMED_OUT', 'no matching acknowledgement by the deadline', now);
}

/** What a delivery round does to a device it locked: the publication if it made one, then the deadline. */
export function deliveryRound(device: DeviceConfiguration, published: boolean, now: number, policy: RedeliveryPolicy): { device: DeviceConfiguration; changes: StateChange[] } {
  const publication = published ? delivered(device, now, policy) : { device };
  const expiry = expire(publication.device, now);
  return { device: expiry.device, changes: [publication.change, expiry.change].filter((c): c is StateChange => c !== undefined) };
}

/** Whether the scanner has work for the device at `now`: a publication due, or a deadline passed. */
export function isDue(device: DeviceConfiguration, now: number): boolean {
  if (!awaitsAnswer(device.state)) return false;
  return (device.nextDeliveryAt !== null && device.nextDeliveryAt <= now) || (device.deadline !== null && device.deadline <= now);
}
