import { PartitionFailures } from './partition-failures';

describe('partition failures', () => {
  it('backs off per partition, doubling up to the cap, and starts over once the partition made progress', () => {
    const failures = new PartitionFailures(100, 500);
    expect([failures.failed(0), failures.failed(0), failures.failed(0), failures.failed(0)]).toEqual([100, 200, 400, 500]);
    expect(failures.failed(1)).toBe(100);
    expect(failures.partitions).toEqual([0, 1]);
    expect(failures.recovered(0)).toBe(true);
    expect(failures.recovered(0)).toBe(false);
    expect(failures.partitions).toEqual([1]);
    expect(failures.failed(0)).toBe(100);
  });

  it('drops the failures of partitions no longer assigned', () => {
    const failures = new PartitionFailures();
    failures.failed(0);
    failures.failed(3);
    failures.retain(new Set([3, 4]));
    expect(failures.partitions).toEqual([3]);
  });
});
