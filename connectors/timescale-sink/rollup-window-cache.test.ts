import type { Rollup } from '../../schemas/types';
import { RollupWindowCache } from './rollup-window-cache';
import { rollupColumns, splitRollupColumns } from './rows';

function rollup(path: string, windowStart: number, revision: number): Rollup {
  return {
    path, tenant: 't', site: 's', device: 'd', metric: 'm', kind: 'additive', resolution: '1m', windowStart, windowEnd: windowStart + 60_000,
    count: 1, sum: 1, min: 1, max: 1, first: 1, firstTime: windowStart, last: 1, lastTime: windowStart, delta: null, resets: 0, final: false, revision, computedAt: 0,
  };
}

describe('RollupWindowCache', () => {
  it('calls a window fresh until a later or equal one of its series committed', () => {
    const cache = new RollupWindowCache();
    const batch = rollupColumns([rollup('/a', 60_000, 1), rollup('/b', 0, 1)]);
    expect(cache.fresh(batch)).toEqual([0, 1]);
    expect(cache.fresh(batch)).toEqual([0, 1]); // nothing committed yet
    cache.committed(batch);
    const next = rollupColumns([rollup('/a', 0, 2), rollup('/a', 60_000, 2), rollup('/a', 120_000, 1), rollup('/b', 60_000, 1), rollup('/c', 0, 1)]);
    expect(next.path.map((p, i) => `${p}@${next.bucket[i]}`)).toEqual(['/a@0', '/a@60000', '/a@120000', '/b@60000', '/c@0']);
    expect(cache.fresh(next)).toEqual([2, 3, 4]);
  });
});

describe('splitRollupColumns', () => {
  it('splits the rows at the given indexes from the rest, keeping their order', () => {
    const columns = rollupColumns([rollup('/a', 0, 1), rollup('/b', 0, 1), rollup('/c', 0, 1), rollup('/d', 0, 1)]);
    const { selected, rest } = splitRollupColumns(columns, [1, 3]);
    expect(selected.path).toEqual(['/b', '/d']);
    expect(rest.path).toEqual(['/a', '/c']);
    expect(rest.revision).toEqual([1, 1]);
    expect(Object.keys(selected)).toEqual(Object.keys(columns));
  });
});
