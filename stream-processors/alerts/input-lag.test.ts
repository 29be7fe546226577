import { caughtUpPartitions } from './input-lag';

const offsets = (entries: Record<string, Record<number, string>>) => new Map(Object.entries(entries).map(([topic, parts]) => [topic, new Map(Object.entries(parts).map(([p, o]) => [Number(p), o]))]));

describe('caught-up partitions', () => {
  it('are those committed up to the end of every input topic', () => {
    const ends = offsets({ raw: { 0: '10', 1: '5', 2: '0' }, '1m': { 0: '3', 1: '7', 2: '0' } });
    const committed = offsets({ raw: { 0: '10', 1: '5', 2: '-1' }, '1m': { 0: '2', 1: '7' } });
    // 0: 1m behind; 1: both at the end; 2: nothing committed and nothing to read
    expect([...caughtUpPartitions([0, 1, 2], committed, ends)]).toEqual([1, 2]);
  });

  it('count a partition with records and nothing committed as behind', () => {
    expect(caughtUpPartitions([0], offsets({}), offsets({ raw: { 0: '1' } })).size).toBe(0);
  });
});
