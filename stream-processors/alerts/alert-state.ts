/**
 * The state machine of one (rule, series): normal, pending, firing at a
 * severity, recovering, no data. Pure: a state and a reading in, the next
 * state and its transitions out, so the processor and its tests share it.
 *
 * Invariants:
 * - Hold times count in event time, the readings' timestamps (a rollup's is
 *   its window end), never the wall clock: replaying the same readings in
 *   the same order gives the same states, transitions and alarm ids.
 * - A severity's condition "holds for `for`" when it held at every reading
 *   from the first one at which it held (`heldSince`) to a reading at least
 *   `for` later. One reading at which it does not hold starts it over.
 * - An episode (an alarm) starts at pending (or straight at firing when the
 *   hold is 0) and ends at resolved or cancelled; its id is derived from the
 *   rule, the series and the episode's start, so it is the same through
 *   escalation, de-escalation, recovering and a replay.
 * - Firing at severity s: a higher severity whose condition held for its
 *   `for` escalates; once s's own condition stops holding, the highest lower
 *   one that holds for its `for` de-escalates to it; neither holding keeps s
 *   (the band between the conditions and the clear condition is hysteresis).
 * - Resolution needs the clear condition to hold for its own hold time and
 *   `keepFiringFor` to have passed since a severity's condition last held.
 *   Without a clear condition, "no severity's condition holds" clears.
 * - A reading not newer than the newest one evaluated (out of order, or a
 *   duplicate of the same timestamp, or a corrected revision of a rollup
 *   window already evaluated) changes nothing and is counted as late: the
 *   state's clock only moves forward, so an old reading can neither shorten
 *   nor restart a hold time.
 * - No data: with a `noData` rule, a series in normal or pending whose newest
 *   reading is `after` or more older than the clock passed to `checkNoData`
 *   opens a no_data episode (a pending one is cancelled first); its next
 *   reading resolves it. A firing alarm is never resolved for lack of data:
 *   a dead device does not resolve its own alert.
 */
import { createHash } from 'node:crypto';
import { thresholdHolds, type Threshold } from '../../schemas/alert-threshold';

export type AlertStatus = 'normal' | 'pending' | 'firing' | 'recovering' | 'no_data';

export type AlertTransitionKind = 'pending' | 'cancelled' | 'firing' | 'escalated' | 'deescalated' | 'recovering' | 'relapsed' | 'resolved' | 'no_data';

/** The part of a rule the state machine reads. */
export interface AlertPolicy {
  /** lowest first */
  severities: readonly { severity: string; when: Threshold; forMs: number }[];
  /** `when` null: cleared while no severity's condition holds */
  clear: { when: Threshold | null; forMs: number };
  keepFiringForMs: number;
  noData: { afterMs: number; severity: string } | null;
}

export interface AlertState {
  status: AlertStatus;
  /** firing or recovering: the severity; pending: the highest whose condition holds; no_data: the rule's noData severity */
  severity: string | null;
  alarmId: string | null;
  /** event time at which the episode started */
  episodeStart: number | null;
  /** event time of the newest reading evaluated */
  lastTime: number | null;
  /** per severity: the event time since which its condition has held at every reading */
  heldSince: Record<string, number>;
  /** since when the clear condition has held at every reading (firing or recovering) */
  clearSince: number | null;
  /** the newest reading at which a severity's condition held, during an episode (keepFiringFor counts from it) */
  activeAt: number | null;
}

export interface AlertTransition {
  kind: AlertTransitionKind;
  from: AlertStatus;
  to: AlertStatus;
  severity: string | null;
  previousSeverity: string | null;
  alarmId: string;
  episodeStart: number;
  /** event time of the reading that made it (checkNoData: the clock it was given) */
  at: number;
  value: number | null;
}

export interface Sample {
  time: number;
  value: number;
}

/** Which (rule, series) a state is of: the alarm ids derive from it. */
export interface AlertSubject {
  ruleKey: string;
  path: string;
}

export interface Step {
  state: AlertState;
  transitions: AlertTransition[];
  /** late: the reading was not newer than the newest evaluated, and changed nothing */
  outcome: 'evaluated' | 'late';
}

export function initialAlertState(): AlertState {
  return { status: 'normal', severity: null, alarmId: null, episodeStart: null, lastTime: null, heldSince: {}, clearSince: null, activeAt: null };
}

/** The id of the episode of `subject` that started at `episodeStart`: stable through the episode and across replays. */
export function alarmIdOf(subject: AlertSubject, episodeStart: number, kind: 'threshold' | 'no_data' = 'threshold'): string {
  const hex = createHash('sha256').update(`${subject.ruleKey}\u0000${subject.path}\u0000${kind}\u0000${episodeStart}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** Evaluates one reading of the series. */
export function evaluateReading(policy: AlertPolicy, subject: AlertSubject, previous: AlertState, sample: Sample): Step {
  if (previous.lastTime !== null && sample.time <= previous.lastTime) return { state: previous, transitions: [], outcome: 'late' };
  const t = sample.time;
  const transitions: AlertTransition[] = [];
  let state: AlertState = { ...previous, lastTime: t, heldSince: heldSinceAt(policy, previous.heldSince, sample) };
  const emit = (kind: AlertTransitionKind, to: AlertStatus, severity: string | null) => {
    transitions.push({ kind, from: state.status, to, severity, previousSeverity: state.severity, alarmId: state.alarmId!, episodeStart: state.episodeStart!, at: t, value: sample.value });
  };

  if (state.status === 'no_data') {
    emit('resolved', 'normal', null);
    state = closed(state);
  }
  const holding = highestIndex(policy, (i) => state.heldSince[policy.severities[i]!.severity] !== undefined);
  const satisfied = highestIndex(policy, (i) => {
    const since = state.heldSince[policy.severities[i]!.severity];
    return since !== undefined && t - since >= policy.severities[i]!.forMs;
  });

  if (state.status === 'normal' || state.status === 'pending') {
    if (holding < 0) {
      if (state.status === 'pending') {
        emit('cancelled', 'normal', null);
        state = closed(state);
      }
      return { state, transitions, outcome: 'evaluated' };
    }
    if (state.status === 'normal') state = { ...state, alarmId: alarmIdOf(subject, t), episodeStart: t };
    if (satisfied >= 0) {
      const severity = policy.severities[satisfied]!.severity;
      emit('firing', 'firing', severity);
      return { state: { ...state, status: 'firing', severity, clearSince: null, activeAt: t }, transitions, outcome: 'evaluated' };
    }
    const candidate = policy.severities[holding]!.severity;
    if (state.status === 'normal') emit('pending', 'pending', candidate);
    return { state: { ...state, status: 'pending', severity: candidate, activeAt: t }, transitions, outcome: 'evaluated' };
  }

  // firing or recovering
  const current = policy.severities.findIndex((s) => s.severity === state.severity);
  if (holding >= 0) state = { ...state, activeAt: t };
  if (satisfied > current) {
    const severity = policy.severities[satisfied]!.severity;
    emit('escalated', 'firing', severity);
    return { state: { ...state, status: 'firing', severity, clearSince: null }, transitions, outcome: 'evaluated' };
  }
  const currentHolds = current >= 0 && state.heldSince[policy.severities[current]!.severity] !== undefined;
  if (!currentHolds && satisfied >= 0 && satisfied < current) {
    const severity = policy.severities[satisfied]!.severity;
    emit('deescalated', 'firing', severity);
    state = { ...state, status: 'firing', severity, clearSince: null };
  }
  const clearHolds = policy.clear.when ? thresholdHolds(policy.clear.when, sample.value) : holding < 0;
  const clearSince = clearHolds ? (state.clearSince ?? t) : null;
  state = { ...state, clearSince };
  const kept = state.activeAt !== null && t - state.activeAt < policy.keepFiringForMs;
  if (clearSince !== null && t - clearSince >= policy.clear.forMs && !kept) {
    emit('resolved', 'normal', null);
    return { state: closed(state), transitions, outcome: 'evaluated' };
  }
  if (clearSince !== null && state.status === 'firing') {
    emit('recovering', 'recovering', state.severity);
    state = { ...state, status: 'recovering' };
  } else if (clearSince === null && state.status === 'recovering') {
    emit('relapsed', 'firing', state.severity);
    state = { ...state, status: 'firing' };
  }
  return { state, transitions, outcome: 'evaluated' };
}

/**
 * Opens a no_data episode when the series' newest reading is older than the
 * rule's `noData.after` at clock `now`. The clock is the caller's: for a
 * live processor, the wall time through which its input is complete
 * (input-completeness.ts).
 */
export function checkNoData(policy: AlertPolicy, subject: AlertSubject, previous: AlertState, now: number): { state: AlertState; transitions: AlertTransition[] } {
  const { noData } = policy;
  if (!noData || previous.lastTime === null || now - previous.lastTime < noData.afterMs) return { state: previous, transitions: [] };
  if (previous.status !== 'normal' && previous.status !== 'pending') return { state: previous, transitions: [] };
  const transitions: AlertTransition[] = [];
  let state = previous;
  if (state.status === 'pending') {
    transitions.push({ kind: 'cancelled', from: 'pending', to: 'normal', severity: null, previousSeverity: state.severity, alarmId: state.alarmId!, episodeStart: state.episodeStart!, at: now, value: null });
    state = closed(state);
  }
  const episodeStart = previous.lastTime + noData.afterMs;
  const alarmId = alarmIdOf(subject, episodeStart, 'no_data');
  transitions.push({ kind: 'no_data', from: 'normal', to: 'no_data', severity: noData.severity, previousSeverity: null, alarmId, episodeStart, at: now, value: null });
  return { state: { ...state, status: 'no_data', severity: noData.severity, alarmId, episodeStart, heldSince: {}, clearSince: null, activeAt: null }, transitions };
}

/**
 * Ends the open episode of a pair whose rule was removed: a pending one is
 * cancelled, a firing, recovering or no-data one resolved, at the newest
 * reading's event time (so a replay gives the same event); the pair starts
 * again from normal.
 */
export function retireState(state: AlertState): { state: AlertState; transitions: AlertTransition[] } {
  if (state.status === 'normal' || state.alarmId === null) return { state: initialAlertState(), transitions: [] };
  const kind = state.status === 'pending' ? 'cancelled' : 'resolved';
  const at = state.lastTime ?? state.episodeStart!;
  return {
    state: initialAlertState(),
    transitions: [{ kind, from: state.status, to: 'normal', severity: null, previousSeverity: state.severity, alarmId: state.alarmId, episodeStart: state.episodeStart!, at, value: null }],
  };
}

/** Whether a state holds nothing a restart would miss beyond its clock: normal with no condition holding. */
export function isIdle(state: AlertState): boolean {
  return state.status === 'normal' && Object.keys(state.heldSince).length === 0;
}

function closed(state: AlertState): AlertState {
  return { ...state, status: 'normal', severity: null, alarmId: null, episodeStart: null, clearSince: null, activeAt: null };
}

function heldSinceAt(policy: AlertPolicy, previous: Record<string, number>, sample: Sample): Record<string, number> {
  const held: Record<string, number> = {};
  for (const step of policy.severities) if (thresholdHolds(step.when, sample.value)) held[step.severity] = previous[step.severity] ?? sample.time;
  return held;
}

function highestIndex(policy: AlertPolicy, test: (index: number) => boolean): number {
  for (let i = policy.severities.length - 1; i >= 0; i--) if (test(i)) return i;
  return -1;
}
