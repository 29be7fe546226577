import { aggregateMatrix, aggregateNames, aggregateValue, emptyPartial, mergePartials, naturalAggregate, resolveAggregate } from './aggregate';
import { parameterKinds } from '../schemas/types';

describe('the aggregate matrix', () => {
  it('decides every aggregate for every kind, with a reason when refused', () => {
    for (const kind of parameterKinds) {
      for (const aggregate of aggregateNames) {
        const verdict = aggregateMatrix[kind][aggregate];
        expect(verdict === true || (typeof verdict === 'string' && verdict.length > 20)).toBe(true);
      }
      expect(aggregateMatrix[kind][naturalAggregate[kind]]).toBe(true);
    }
  });

  it('refuses sum and mean of an energy counter, delta and sum of a temperature, delta of an additive series', () => {
    expect(() => resolveAggregate('sum', 'energy', '/a/s/d/kwh')).toThrow(/sum of \/a\/s\/d\/kwh \(kind energy\): .*use delta/);
    expect(() => resolveAggregate('mean', 'energy', '/p')).toThrow(expect.objectContaining({ code: 'AGGREGATE_NOT_APPLICABLE' }));
    expect(() => resolveAggregate('delta', 'non_additive', '/p')).toThrow(/not an increasing counter/);
    expect(() => resolveAggregate('sum', 'non_additive', '/p')).toThrow(/use mean/);
    expect(() => resolveAggregate('delta', 'additive', '/p')).toThrow(/use sum/);
  });

  it('maps natural to delta, sum and mean', () => {
    expect(resolveAggregate('natural', 'energy', '/p')).toBe('delta');
    expect(resolveAggregate('natural', 'additive', '/p')).toBe('sum');
    expect(resolveAggregate('natural', 'non_additive', '/p')).toBe('mean');
  });
});

describe('partial aggregates', () => {
  it('merge exactly and give each aggregate', () => {
    const a = { count: 2, sum: 5, min: 1, max: 4, delta: 3, resets: 0 };
    const b = { count: 1, sum: 7, min: 7, max: 7, delta: 7, resets: 1 };
    const merged = mergePartials(mergePartials(emptyPartial, a), b);
    expect(merged).toEqual({ count: 3, sum: 12, min: 1, max: 7, delta: 10, resets: 1 });
    expect(aggregateValue(merged, 'mean')).toBe(4);
    expect(aggregateValue(merged, 'count')).toBe(3);
  });

  it('give null mean, min and max, and zero sum, count and delta, for an empty span', () => {
    expect(aggregateValue(emptyPartial, 'mean')).toBeNull();
    expect(aggregateValue(emptyPartial, 'min')).toBeNull();
    expect(aggregateValue(emptyPartial, 'sum')).toBe(0);
    expect(aggregateValue(emptyPartial, 'delta')).toBe(0);
  });
});
