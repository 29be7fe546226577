import { UncommittedWork } from './uncommitted-work';

const output = (key: string) => ({ key, value: key });

describe('uncommitted work', () => {
  it('hands a commit the outputs, the offsets after the last batch of each partition and when its newest input was produced, then starts anew', () => {
    const work = new UncommittedWork();
    work.batchStarted(0, '10');
    work.outputs.set('out', [output('a')]);
    work.batchApplied(0, '14', 1000, 1);
    work.batchStarted(0, '15');
    work.batchApplied(0, '19', 3000, 1);
    work.batchStarted(2, '7');
    work.batchApplied(2, '7', 2000, 1);
    expect(work.take()).toEqual({ outputs: new Map([['out', [output('a')]]]), consumed: [{ partition: 0, offset: '20' }, { partition: 2, offset: '8' }], newestInputAt: 3000 });
    expect(work.take()).toEqual({ outputs: new Map(), consumed: [], newestInputAt: undefined });
    expect(work.partitions).toEqual([]);
  });

  it('sends a partition thrown away back to its first batch when it has no commit yet, and to its committed offset after one', () => {
    const work = new UncommittedWork();
    work.batchStarted(1, '100');
    work.batchApplied(1, '149', 1000, 1);
    expect(work.discard()).toEqual([{ partition: 1, offset: '100' }]);

    work.batchStarted(1, '100');
    work.batchApplied(1, '149', 1000, 1);
    work.committed(work.take().consumed);
    work.batchStarted(1, '150');
    work.outputs.set('out', [output('b')]);
    work.batchApplied(1, '199', 1000, 1);
    expect(work.discard()).toEqual([{ partition: 1, offset: '150' }]);
    expect(work.outputs.size).toBe(0);
    expect(work.partitions).toEqual([]);
  });

  it('sends back a failed commit\'s partitions even though it took their offsets already', () => {
    const work = new UncommittedWork();
    work.batchStarted(0, '5');
    work.batchApplied(0, '9', 1000, 1);
    const { consumed } = work.take();
    expect(work.discard(consumed.map((c) => c.partition))).toEqual([{ partition: 0, offset: '5' }]);
  });

  it('with a commit in flight and batches applied after it: its failure sends the partitions back to before it, its success to after it', () => {
    const work = new UncommittedWork();
    work.batchStarted(0, '0');
    work.batchApplied(0, '9', 1000, 1);
    work.committed(work.take().consumed);
    work.batchStarted(0, '10');
    work.batchApplied(0, '19', 1000, 1);
    const inFlight = work.take().consumed;
    // applied while the commit of 10..19 is in flight
    work.batchStarted(0, '20');
    work.batchStarted(1, '5');
    work.batchApplied(0, '29', 1000, 1);
    work.batchApplied(1, '5', 1000, 1);
    expect(work.discard([...new Set([...inFlight.map((c) => c.partition), ...work.partitions])])).toEqual([
      { partition: 0, offset: '10' },
      { partition: 1, offset: '5' },
    ]);

    work.batchStarted(0, '10');
    work.batchApplied(0, '19', 1000, 1);
    const next = work.take().consumed;
    work.batchStarted(0, '20');
    work.batchApplied(0, '29', 1000, 1);
    work.committed(next);
    expect(work.discard()).toEqual([{ partition: 0, offset: '20' }]);
  });

  it('offsets are Kafka\'s strings, past 2^53', () => {
    const work = new UncommittedWork();
    work.batchStarted(0, '9007199254740993');
    work.batchApplied(0, '9007199254740993', 1000, 1);
    expect(work.take().consumed).toEqual([{ partition: 0, offset: '9007199254740994' }]);
  });

  it('forgets where partitions no longer assigned resume: their next owner starts from their committed offsets', () => {
    const work = new UncommittedWork();
    for (const partition of [0, 1]) {
      work.batchStarted(partition, '3');
      work.batchApplied(partition, '4', 1000, 1);
    }
    work.committed(work.take().consumed);
    work.retain(new Set([1]));
    expect(work.discard([0, 1])).toEqual([{ partition: 1, offset: '5' }]);
  });
});
