import { SerialSteps } from './serial-steps';

describe('SerialSteps', () => {
  it('runs steps one at a time, in order, a failure not stopping the next', async () => {
    const steps = new SerialSteps();
    const log: string[] = [];
    const step = (name: string, ms: number, fail = false) => async () => {
      log.push(`${name} start`);
      await new Promise((resolve) => setTimeout(resolve, ms));
      log.push(`${name} end`);
      if (fail) throw new Error(name);
      return name;
    };
    const a = steps.run(step('a', 20));
    const b = steps.run(step('b', 1, true));
    const c = steps.run(step('c', 1));
    await expect(a).resolves.toBe('a');
    await expect(b).rejects.toThrow('b');
    await expect(c).resolves.toBe('c');
    await steps.idle();
    expect(log).toEqual(['a start', 'a end', 'b start', 'b end', 'c start', 'c end']);
  });
});
