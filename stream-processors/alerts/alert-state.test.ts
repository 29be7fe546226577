import { alarmIdOf, checkNoData, retireState, evaluateReading, initialAlertState, isIdle, type AlertPolicy, type AlertState, type AlertTransition } from './alert-state';
import { parseThreshold } from '../../schemas/alert-threshold';

const at = (text: string) => parseThreshold(text)!;
const s = 1000;
const m = 60 * s;
const subject = { ruleKey: 'acme/boiler-hot', path: '/acme/plant1/boiler/temperature' };

/** warning > 80 for 1m, critical > 90 for 1m, cleared < 75 for 1m */
const ladder: AlertPolicy = {
  severities: [
    { severity: 'warning', when: at('> 80'), forMs: 1 * m },
    { severity: 'critical', when: at('> 90'), forMs: 1 * m },
  ],
  clear: { when: at('< 75'), forMs: 1 * m },
  keepFiringForMs: 0,
  noData: null,
};

/** Feeds readings [time, value] in order; returns every transition and the final state. */
function run(policy: AlertPolicy, readings: [number, number][], from: AlertState = initialAlertState()) {
  let state = from;
  const transitions: AlertTransition[] = [];
  const late: number[] = [];
  for (const [time, value] of readings) {
    const step = evaluateReading(policy, subject, state, { time, value });
    if (step.outcome === 'late') late.push(time);
    state = step.state;
    transitions.push(...step.transitions);
  }
  return { state, transitions, late, kinds: transitions.map((t) => `${t.kind}${t.severity ? `:${t.severity}` : ''}@${t.at / s}`) };
}

/** One reading every 30 s from 0, of the given values. */
const every30s = (...values: number[]): [number, number][] => values.map((v, i) => [i * 30 * s, v]);

describe('the alert state machine', () => {
  it('goes pending when a condition starts holding, fires once it held for its hold time, and resolves after the clear condition held for its own', () => {
    const { kinds, transitions, state } = run(ladder, every30s(70, 85, 85, 85, 85, 85, 70, 70, 70));
    expect(kinds).toEqual(['pending:warning@30', 'firing:warning@90', 'recovering:warning@180', 'resolved@240']);
    expect(new Set(transitions.map((t) => t.alarmId)).size).toBe(1);
    expect(transitions[0]!.alarmId).toBe(alarmIdOf(subject, 30 * s));
    expect(transitions.every((t) => t.episodeStart === 30 * s)).toBe(true);
    expect(state).toMatchObject({ status: 'normal', alarmId: null });
    expect(isIdle(state)).toBe(true);
  });

  it('cancels a pending alarm whose condition breaks before the hold time; the next one is another episode with another id', () => {
    const { kinds, transitions } = run(ladder, every30s(85, 85, 70, 85, 85, 85));
    expect(kinds).toEqual(['pending:warning@0', 'cancelled@60', 'pending:warning@90', 'firing:warning@150']);
    expect(transitions[0]!.alarmId).toBe(transitions[1]!.alarmId);
    expect(transitions[2]!.alarmId).not.toBe(transitions[0]!.alarmId);
    expect(transitions[3]!.alarmId).toBe(transitions[2]!.alarmId);
  });

  it('fires at once with a hold time of 0', () => {
    const now: AlertPolicy = { ...ladder, severities: [{ severity: 'page', when: at('>= 100'), forMs: 0 }], clear: { when: null, forMs: 0 } };
    expect(run(now, every30s(99, 100, 99)).kinds).toEqual(['firing:page@30', 'resolved@60']);
  });

  it('escalates to a higher severity held for its own hold time and de-escalates once it stops holding, keeping the alarm id', () => {
    const { kinds, transitions } = run(ladder, every30s(85, 85, 85, 86, 95, 95, 95, 85, 85, 70, 70, 70));
    expect(kinds).toEqual([
      'pending:warning@0',
      'firing:warning@60',
      'escalated:critical@180',
      'deescalated:warning@210',
      'recovering:warning@270',
      'resolved@330',
    ]);
    expect(new Set(transitions.map((t) => t.alarmId)).size).toBe(1);
    expect(transitions[2]!.previousSeverity).toBe('warning');
  });

  it('fires straight at the highest severity already held for its hold time', () => {
    expect(run(ladder, every30s(95, 95, 95, 95, 95)).kinds).toEqual(['pending:critical@0', 'firing:critical@60']);
  });

  it('keeps firing in the band between the firing and the clear conditions (hysteresis)', () => {
    const { kinds, state } = run(ladder, every30s(85, 85, 85, 85, 78, 78, 78, 78, 78, 78));
    expect(kinds).toEqual(['pending:warning@0', 'firing:warning@60']);
    expect(state.status).toBe('firing');
  });

  it('goes back to firing when the value leaves the clear band before the clear hold time (relapsed), and the clear hold starts over', () => {
    const { kinds } = run(ladder, every30s(85, 85, 85, 70, 78, 70, 70, 70));
    expect(kinds).toEqual(['pending:warning@0', 'firing:warning@60', 'recovering:warning@90', 'relapsed:warning@120', 'recovering:warning@150', 'resolved@210']);
  });

  it('without a clear condition, clears when no severity holds for the clear hold time', () => {
    const policy: AlertPolicy = { ...ladder, clear: { when: null, forMs: 30 * s } };
    expect(run(policy, every30s(85, 85, 85, 78, 78)).kinds).toEqual(['pending:warning@0', 'firing:warning@60', 'recovering:warning@90', 'resolved@120']);
  });

  it('keeps firing for keepFiringFor after a condition last held, even once the clear condition held long enough', () => {
    const policy: AlertPolicy = { ...ladder, clear: { when: at('< 75'), forMs: 0 }, keepFiringForMs: 2 * m };
    const { kinds } = run(policy, every30s(85, 85, 85, 70, 70, 70, 70, 70));
    // last held at 60 s: resolved at 180 s, not at 90 s
    expect(kinds).toEqual(['pending:warning@0', 'firing:warning@60', 'recovering:warning@90', 'resolved@180']);
  });

  it('ignores a reading not newer than the newest evaluated: it can neither restart nor shorten a hold time', () => {
    const readings: [number, number][] = [[0, 85], [30 * s, 85], [15 * s, 70], [30 * s, 70], [60 * s, 85]];
    const { kinds, late, transitions } = run(ladder, readings);
    expect(late).toEqual([15 * s, 30 * s]);
    expect(kinds).toEqual(['pending:warning@0', 'firing:warning@60']);
    expect(transitions[1]!.alarmId).toBe(transitions[0]!.alarmId);
  });

  it('gives the same transitions and alarm ids when the same readings are replayed, also from a state saved part-way (a restart)', () => {
    const readings = every30s(70, 85, 85, 95, 95, 95, 95, 85, 70, 70, 70, 85, 85, 85, 85, 85);
    const whole = run(ladder, readings);
    const again = run(ladder, readings);
    expect(again.transitions).toEqual(whole.transitions);
    for (const cut of [2, 5, 9, 13]) {
      const first = run(ladder, readings.slice(0, cut));
      const saved = JSON.parse(JSON.stringify(first.state)) as AlertState; // what the changelog keeps
      const rest = run(ladder, readings.slice(cut), saved);
      expect([...first.transitions, ...rest.transitions]).toEqual(whole.transitions);
    }
    expect(whole.kinds.filter((k) => k.startsWith('firing')).length).toBe(2);
  });

  it('opens a no_data episode when the newest reading is older than noData.after, and resolves it with the next reading', () => {
    const policy: AlertPolicy = { ...ladder, noData: { afterMs: 5 * m, severity: 'warning' } };
    const { state } = run(policy, every30s(70, 70));
    expect(checkNoData(policy, subject, state, 30 * s + 5 * m - 1).transitions).toEqual([]);
    const silent = checkNoData(policy, subject, state, 30 * s + 6 * m);
    expect(silent.transitions).toEqual([expect.objectContaining({ kind: 'no_data', to: 'no_data', severity: 'warning', episodeStart: 30 * s + 5 * m, alarmId: alarmIdOf(subject, 30 * s + 5 * m, 'no_data') })]);
    // checked again: nothing new
    expect(checkNoData(policy, subject, silent.state, 30 * s + 7 * m).transitions).toEqual([]);
    const back = evaluateReading(policy, subject, silent.state, { time: 30 * s + 8 * m, value: 85 });
    expect(back.transitions.map((t) => [t.kind, t.alarmId])).toEqual([['resolved', silent.transitions[0]!.alarmId], ['pending', alarmIdOf(subject, 30 * s + 8 * m)]]);
  });

  it('cancels a pending alarm for no data, and never resolves a firing one for lack of data', () => {
    const policy: AlertPolicy = { ...ladder, noData: { afterMs: 5 * m, severity: 'warning' } };
    const pending = run(policy, every30s(85));
    expect(checkNoData(policy, subject, pending.state, 10 * m).transitions.map((t) => t.kind)).toEqual(['cancelled', 'no_data']);
    const firing = run(policy, every30s(85, 85, 85));
    expect(checkNoData(policy, subject, firing.state, 60 * m)).toEqual({ state: firing.state, transitions: [] });
    expect(checkNoData(ladder, subject, run(ladder, every30s(70)).state, 60 * m).transitions).toEqual([]);
  });

  it('names a series in normal with no condition holding idle, and one with a condition holding not', () => {
    expect(isIdle(run(ladder, every30s(70)).state)).toBe(true);
    expect(isIdle(run(ladder, every30s(85)).state)).toBe(false);
  });

  it('ends the open episode of a removed rule: pending cancelled, firing resolved, at the newest reading, with its alarm id', () => {
    const pending = run(ladder, every30s(85)).state;
    expect(retireState(pending).transitions).toEqual([expect.objectContaining({ kind: 'cancelled', from: 'pending', to: 'normal', alarmId: pending.alarmId, at: 0 })]);
    const firing = run(ladder, every30s(85, 85, 85)).state;
    const retired = retireState(firing);
    expect(retired.transitions).toEqual([expect.objectContaining({ kind: 'resolved', from: 'firing', previousSeverity: 'warning', alarmId: firing.alarmId, at: 60 * s })]);
    expect(isIdle(retired.state)).toBe(true);
    expect(retireState(run(ladder, every30s(70)).state).transitions).toEqual([]);
  });
});
