import { KeyedSequence } from './keyed-sequence';

/** A task that finishes when the test says, and records when it started. */
function gate(log: string[], name: string) {
  let open!: () => void;
  let fail!: (error: Error) => void;
  const done = new Promise<string>((resolve, reject) => {
    open = () => resolve(name);
    fail = reject;
  });
  return {
    task: () => {
      log.push(name);
      return done;
    },
    open,
    fail,
  };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('KeyedSequence', () => {
  it("runs one key's tasks in order, each after the one before settled, and other keys meanwhile", async () => {
    const sequence = new KeyedSequence(10);
    const log: string[] = [];
    const a1 = gate(log, 'a1');
    const a2 = gate(log, 'a2');
    const b1 = gate(log, 'b1');
    const results = [sequence.run('a', a1.task), sequence.run('a', a2.task), sequence.run('b', b1.task)];
    await settle();
    expect(log).toEqual(['a1', 'b1']);
    b1.open();
    await settle();
    expect(log).toEqual(['a1', 'b1']);
    a1.open();
    await settle();
    expect(log).toEqual(['a1', 'b1', 'a2']);
    a2.open();
    await expect(Promise.all(results)).resolves.toEqual(['a1', 'a2', 'b1']);
    expect(sequence.keys).toBe(0);
  });

  it('goes on with the next task of a key after one failed', async () => {
    const sequence = new KeyedSequence(10);
    const log: string[] = [];
    const first = gate(log, 'first');
    const second = gate(log, 'second');
    const failed = sequence.run('a', first.task);
    const next = sequence.run('a', second.task);
    first.fail(new Error('refused'));
    await expect(failed).rejects.toThrow('refused');
    await settle();
    second.open();
    await expect(next).resolves.toBe('second');
  });

  it('runs at most `limit` tasks at once, the next waiting for a slot', async () => {
    const sequence = new KeyedSequence(2);
    const log: string[] = [];
    const gates = ['a', 'b', 'c'].map((key) => gate(log, key));
    const results = gates.map((g, i) => sequence.run(['a', 'b', 'c'][i]!, g.task));
    await settle();
    expect(log).toEqual(['a', 'b']);
    expect(sequence.active).toBe(2);
    gates[1]!.open();
    await settle();
    expect(log).toEqual(['a', 'b', 'c']);
    expect(sequence.active).toBe(2);
    gates[0]!.open();
    gates[2]!.open();
    await Promise.all(results);
    expect(sequence.active).toBe(0);
  });
});
