import { MarkerProgress, markerKey } from './read-to-markers';

const prefix = '\u0000restore:';
const mine = (partition: number) => [markerKey(prefix, partition), Buffer.from('mine')] as const;

describe('MarkerProgress', () => {
  it('takes records until each partition has seen its marker, then skips what comes after', () => {
    const progress = new MarkerProgress([0, 2], 'mine', prefix);
    expect(progress.take(0, 'a', Buffer.from('x'))).toBe('record');
    expect(progress.take(0, ...mine(0))).toBe('marker');
    expect(progress.take(0, 'b', Buffer.from('x'))).toBe('skip');
    expect(progress.done).toBe(false);
    expect(progress.take(2, 'c', null)).toBe('record');
    expect(progress.take(2, ...mine(2))).toBe('marker');
    expect(progress.done).toBe(true);
  });

  it("skips other reads' markers, another partition's marker, and partitions it was not asked for", () => {
    const progress = new MarkerProgress([1], 'mine', prefix);
    expect(progress.take(1, markerKey(prefix, 1), Buffer.from('theirs'))).toBe('skip');
    expect(progress.take(1, markerKey(prefix, 0), Buffer.from('mine'))).toBe('skip');
    expect(progress.take(3, 'x', null)).toBe('skip');
    expect(progress.done).toBe(false);
  });
});
