import { copartitionedPlan } from './copartitioned-assigner';

describe('co-partitioned assignment', () => {
  it('gives partition p of every topic to one member', () => {
    const plan = copartitionedPlan(['b', 'a', 'c'], { requests: [0, 1, 2, 3, 4, 5], answers: [5, 4, 3, 2, 1, 0] });
    for (const assignment of plan.values()) expect(assignment.requests).toEqual(assignment.answers);
    expect(plan.get('a')).toEqual({ requests: [0, 3], answers: [0, 3] });
    expect(plan.get('c')).toEqual({ requests: [2, 5], answers: [2, 5] });
  });

  it('is the same plan whatever order the members come in', () => {
    const topics = { t: [0, 1, 2, 3] };
    expect(copartitionedPlan(['x', 'y'], topics)).toEqual(copartitionedPlan(['y', 'x'], topics));
  });

  it('leaves a member beyond the partitions with nothing', () => {
    const plan = copartitionedPlan(['a', 'b', 'c'], { t: [0, 1] });
    expect(plan.get('c')).toEqual({});
  });
});
