import { InputCompleteness, type TopicReader } from './input-completeness';

const alerts: TopicReader = { groupId: 'alerts', topic: 'readings', transactional: false };
const onRollups: TopicReader = { groupId: 'alerts', topic: 'rollups', transactional: true };
const stage: TopicReader = { groupId: 'stage', topic: 'readings', transactional: false };

/** One check at `at`: each reader's committed offset, then the topics' ends. */
function check(c: InputCompleteness, at: number, committed: [TopicReader, bigint | undefined][], ends: Record<string, bigint>): void {
  for (const [topic, end] of Object.entries(ends)) c.sampleEnds(topic, new Map([[0, end]]), at);
  for (const [reader, offset] of committed) c.observe(reader, 0, offset, at);
}

describe('input completeness', () => {
  it('is the newest check whose end the reader had reached', () => {
    const c = new InputCompleteness();
    check(c, 1000, [[alerts, 5n]], { readings: 10n });
    expect(c.clock([alerts], 0)).toBeUndefined();
    check(c, 2000, [[alerts, 10n]], { readings: 20n });
    expect(c.clock([alerts], 0)).toBe(1000);
    check(c, 3000, [[alerts, 30n]], { readings: 30n });
    expect(c.clock([alerts], 0)).toBe(3000);
  });

  it('moves an idle partition on with the wall clock', () => {
    const c = new InputCompleteness();
    check(c, 1000, [[alerts, 10n]], { readings: 10n });
    check(c, 5000, [[alerts, 10n]], { readings: 10n });
    expect(c.clock([alerts], 0)).toBe(5000);
  });

  it('counts a reader of a transactional topic one short of the end as at the end: the last offset is a commit marker', () => {
    const c = new InputCompleteness();
    check(c, 1000, [[onRollups, 7n]], { rollups: 8n });
    expect(c.clock([onRollups], 0)).toBe(1000);
    check(c, 2000, [[onRollups, 7n]], { rollups: 10n });
    expect(c.clock([onRollups], 0)).toBe(1000);
  });

  it('treats nothing committed as offset 0: complete only while the partition is empty', () => {
    const c = new InputCompleteness();
    check(c, 1000, [[alerts, undefined]], { readings: 0n });
    expect(c.clock([alerts], 0)).toBe(1000);
    check(c, 2000, [[alerts, -1n]], { readings: 4n });
    expect(c.clock([alerts], 0)).toBe(1000);
  });

  it('follows a chain: through what the stage had read at a check before the one the reader of its output reached', () => {
    const c = new InputCompleteness();
    // the stage keeps up with the readings; the alerts reader of its rollups is one check behind
    check(c, 1000, [[stage, 10n], [onRollups, 0n]], { readings: 10n, rollups: 3n });
    check(c, 2000, [[stage, 20n], [onRollups, 2n]], { readings: 20n, rollups: 6n });
    check(c, 3000, [[stage, 30n], [onRollups, 5n]], { readings: 30n, rollups: 9n });
    // the alerts reader reached the rollups sampled at 2000: the stage's commits seen at 1000 are in it, so through 1000
    expect(c.clock([onRollups, stage], 0)).toBe(1000);
    expect(c.clock([stage], 0)).toBe(3000);
  });

  it('stops a chain whose stage stopped, while its readers keep up with its silent output', () => {
    const c = new InputCompleteness();
    check(c, 1000, [[stage, 10n], [onRollups, 2n]], { readings: 10n, rollups: 3n });
    for (let at = 2000; at <= 9000; at += 1000) check(c, at, [[stage, 10n], [onRollups, 2n]], { readings: BigInt(at / 100), rollups: 3n });
    expect(c.clock([onRollups], 0)).toBe(9000);
    expect(c.clock([onRollups, stage], 0)).toBe(1000);
  });
});
