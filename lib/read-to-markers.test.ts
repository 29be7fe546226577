import { MarkerProgress } from './read-to-markers';

describe('MarkerProgress', () => {
  it('takes records until each partition has seen its marker, then skips what comes after', () => {
    const progress = new MarkerProgress([0, 2], '\u0000restore:mine', '\u0000restore:');
    expect(progress.take(0, 'a')).toBe('record');
    expect(progress.take(0, '\u0000restore:mine')).toBe('marker');
    expect(progress.take(0, 'b')).toBe('skip');
    expect(progress.done).toBe(false);
    expect(progress.take(2, 'c')).toBe('record');
    expect(progress.take(2, '\u0000restore:mine')).toBe('marker');
    expect(progress.done).toBe(true);
  });

  it('skips the markers of other reads and partitions it was not asked for', () => {
    const progress = new MarkerProgress([1], '\u0000restore:mine', '\u0000restore:');
    expect(progress.take(1, '\u0000restore:theirs')).toBe('skip');
    expect(progress.take(3, 'x')).toBe('skip');
    expect(progress.done).toBe(false);
  });
});
