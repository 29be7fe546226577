import { daysToExport } from './run';
import { archiveSummary, progressLine } from './summary';

describe('what a run exports', () => {
  it('every closed (tenant, day) not archived, and the archived ones late readings made stale, oldest day first', () => {
    const todo = daysToExport(['2026-11-19', '2026-11-20'], ['acme', 'globex'], new Set(['acme/2026-11-19', 'globex/2026-11-19', 'acme/2026-11-20']), new Set(['globex/2026-11-19']));
    expect(todo).toEqual([
      { tenant: 'globex', day: '2026-11-19', again: true },
      { tenant: 'globex', day: '2026-11-20', again: false },
    ]);
    expect(daysToExport(['2026-11-19'], ['acme'], new Set(['acme/2026-11-19']), new Set())).toEqual([]);
  });

  it('sums a run up in one line, and its progress in another', () => {
    expect(archiveSummary({ exported: 2, reexported: 1, skipped: 3, rows: 12345, files: 6, bytes: 2_500_000, range: { since: '2026-11-19', until: '2026-11-20' }, ms: 42 })).toBe(
      'archive: 2 tenant-days exported (1 again for late readings), 3 already archived; 12,345 rows in 6 files (2.5 MB), 2026-11-19..2026-11-20, in 42 ms',
    );
    expect(archiveSummary({ exported: 0, reexported: 0, skipped: 0, rows: 0, files: 0, bytes: 0, range: null, ms: 3 })).toBe('archive: no closed day to archive (in 3 ms)');
    expect(progressLine({ daysDone: 3, daysToDo: 12, rows: 48210, current: 'acme/2026-11-04' })).toBe('archive: 3/12 days, 48,210 rows (acme/2026-11-04)');
  });
});
