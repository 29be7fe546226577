import type { SeriesColumns } from './rows';
import { SeriesCache } from './series-cache';

function series(rows: { path: string; first: number; last: number; kind?: 'energy' | 'additive'; unit?: string | null }[]): SeriesColumns {
  return {
    path: rows.map((r) => r.path), tenant: rows.map(() => 't'), site: rows.map(() => 's'), device: rows.map(() => 'd'), metric: rows.map(() => 'm'),
    kind: rows.map((r) => r.kind ?? 'energy'), unit: rows.map((r) => (r.unit === undefined ? 'kWh' : r.unit)),
    firstSeen: rows.map((r) => r.first), lastSeen: rows.map((r) => r.last),
  };
}

describe('SeriesCache', () => {
  it('writes a series it has not committed, then only what moves last seen by the granularity', () => {
    const cache = new SeriesCache(60_000);
    const first = cache.pending(series([{ path: '/a', first: 0, last: 1000 }]));
    expect(first.path).toEqual(['/a']);
    cache.committed(first);
    expect(cache.pending(series([{ path: '/a', first: 2000, last: 60_999 }])).path).toEqual([]);
    const later = cache.pending(series([{ path: '/a', first: 2000, last: 61_000 }]));
    expect(later.lastSeen).toEqual([61_000]);
    expect(later.tenant).toEqual(['t']);
  });

  it('writes an earlier first reading, and a new kind or unit at once', () => {
    const cache = new SeriesCache(60_000);
    cache.committed(series([{ path: '/a', first: 5000, last: 9000 }]));
    expect(cache.pending(series([{ path: '/a', first: 4000, last: 4000 }])).path).toEqual(['/a']);
    expect(cache.pending(series([{ path: '/a', first: 9500, last: 9500, unit: 'Wh' }])).unit).toEqual(['Wh']);
    expect(cache.pending(series([{ path: '/a', first: 9500, last: 9500, kind: 'additive' }])).kind).toEqual(['additive']);
    // an older reading with another unit does not change the newest reading's unit
    expect(cache.pending(series([{ path: '/a', first: 8000, last: 8000, unit: 'Wh' }])).path).toEqual([]);
  });

  it('forgets nothing it has not committed: a rolled-back batch is written again', () => {
    const cache = new SeriesCache(60_000);
    expect(cache.pending(series([{ path: '/a', first: 0, last: 0 }])).path).toEqual(['/a']);
    expect(cache.pending(series([{ path: '/a', first: 0, last: 0 }])).path).toEqual(['/a']);
  });

  it('with granularity 0 writes every advance of last seen', () => {
    const cache = new SeriesCache(0);
    cache.committed(series([{ path: '/a', first: 0, last: 0 }]));
    expect(cache.pending(series([{ path: '/a', first: 1, last: 1 }])).path).toEqual(['/a']);
    expect(cache.pending(series([{ path: '/a', first: 0, last: 0 }])).path).toEqual([]);
  });
});
