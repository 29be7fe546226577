import { GroupCommit } from './group-commit';
import type { TopicOffsets, TopicOutputs } from './kafka-transaction';

/** A transaction that records what it was given and settles when the test says. */
function scripted() {
  const calls: { outputs: string[]; consumed: string[]; settle: (error?: Error) => void }[] = [];
  const transact = (outputs: TopicOutputs, consumed: TopicOffsets[]) =>
    new Promise<void>((resolve, reject) => {
      calls.push({
        outputs: [...outputs].flatMap(([topic, messages]) => messages.map((m) => `${topic}:${String(m.key)}`)),
        consumed: consumed.flatMap((t) => t.partitions.map((p) => `${t.topic}/${p.partition}@${p.offset}`)),
        settle: (error) => (error ? reject(error) : resolve()),
      });
    });
  return { calls, transact };
}

const work = (key: string, consumed?: [string, number, string]) => ({
  outputs: new Map([['out', [{ key, value: 'v' }]]]),
  ...(consumed ? { consumed: { topic: consumed[0], partition: consumed[1], offset: consumed[2] } } : {}),
});
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('group commit', () => {
  it('commits what came while a transaction was in flight together in the next, the highest offset of each partition', async () => {
    const { calls, transact } = scripted();
    const commits = new GroupCommit(transact, () => undefined);
    const first = commits.add(work('a', ['in', 0, '5']));
    const second = commits.add(work('b', ['in', 1, '3']));
    const third = commits.add(work('c', ['in', 1, '9']));
    const timer = commits.add(work('t'));
    expect(calls.map((c) => c.outputs)).toEqual([['out:a']]);
    calls[0]!.settle();
    await first;
    await tick();
    expect(calls[1]).toMatchObject({ outputs: ['out:b', 'out:c', 'out:t'], consumed: ['in/1@9'] });
    calls[1]!.settle();
    await Promise.all([second, third, timer]);
    await commits.idle();
    expect(calls).toHaveLength(2);
  });

  it('fails the work of a failed transaction and the work built on it, after telling the caller to drop its state', async () => {
    const { calls, transact } = scripted();
    const events: string[] = [];
    const commits = new GroupCommit(transact, () => events.push('dropped'));
    const first = commits.add(work('a')).catch(() => events.push('a failed'));
    const built = commits.add(work('b')).catch(() => events.push('b failed'));
    calls[0]!.settle(new Error('fenced'));
    await Promise.all([first, built]);
    expect(events).toEqual(['dropped', 'a failed', 'b failed']);
    const after = commits.add(work('c'));
    expect(calls.map((c) => c.outputs)).toEqual([['out:a'], ['out:c']]);
    calls[1]!.settle();
    await after;
  });
});
