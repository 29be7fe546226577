import { dampen, initialDampening, isIdle, type DampeningState } from './dampening';

function run(dampening: Parameters<typeof dampen>[0], outcomes: boolean[]): boolean[] {
  let state: DampeningState = initialDampening();
  return outcomes.map((holds) => {
    const step = dampen(dampening, state, holds);
    state = step.state;
    return step.fire;
  });
}

describe('dampening', () => {
  it('N consecutive fires once on the Nth, not again while it holds, and again after a break', () => {
    expect(run({ consecutive: 3 }, [true, true, true, true, true, false, true, true, true])).toEqual([false, false, true, false, false, false, false, false, true]);
    expect(run({ consecutive: 3 }, [true, true, false, true, true, false])).toEqual([false, false, false, false, false, false]);
  });

  it('N of M fires once N of the last M held', () => {
    expect(run({ atLeast: 2, of: 4 }, [true, false, false, true, false, false, false, false, true, true])).toEqual([false, false, false, true, false, false, false, false, false, true]);
  });

  it('one consecutive is every rising edge', () => {
    expect(run({ consecutive: 1 }, [true, true, false, true])).toEqual([true, false, false, true]);
  });

  it('an armed state with no outcome holding is idle (tombstoned); one counting or disarmed is not', () => {
    expect(isIdle(initialDampening())).toBe(true);
    expect(isIdle({ outcomes: [false, false], armed: true })).toBe(true);
    expect(isIdle({ outcomes: [true], armed: true })).toBe(false);
    expect(isIdle({ outcomes: [false], armed: false })).toBe(false);
  });
});
