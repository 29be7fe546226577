import { BatchedWrites } from './batched-writes';

describe('BatchedWrites', () => {
  it('writes what one turn added as one write, and what came during it as the next', async () => {
    const writes: number[][] = [];
    let release!: () => void;
    const batched = new BatchedWrites<number>(async (items) => {
      writes.push(items);
      if (writes.length === 1) await new Promise<void>((resolve) => (release = resolve));
    });
    const first = [batched.add(1), batched.add(2), batched.add(3)];
    await new Promise((resolve) => setImmediate(resolve));
    const second = [batched.add(4), batched.add(5)];
    await new Promise((resolve) => setImmediate(resolve));
    expect(writes).toEqual([[1, 2, 3]]);
    release();
    await Promise.all([...first, ...second]);
    expect(writes).toEqual([[1, 2, 3], [4, 5]]);
  });

  it('rejects every add of a write that failed, and goes on with the next', async () => {
    let fail = true;
    const batched = new BatchedWrites<string>(async () => {
      if (fail) throw new Error('database away');
    });
    const failed = [batched.add('a'), batched.add('b')];
    await expect(Promise.all(failed)).rejects.toThrow('database away');
    await expect(failed[1]).rejects.toThrow('database away');
    fail = false;
    await expect(batched.add('c')).resolves.toBeUndefined();
  });
});
