/** What `fleetstream archive run` prints. Pure. */
import type { ArchiveProgress, ArchiveRunResult } from './run';

/** `archive: 12 days exported (1 again for late readings), 30 already archived; 1,204,331 rows in 48 files (9.1 MB), 2026-11-01..2026-11-21, in 5230 ms` */
export function archiveSummary(result: ArchiveRunResult): string {
  if (result.range === null) return `archive: no closed day to archive (in ${result.ms} ms)`;
  const again = result.reexported > 0 ? ` (${result.reexported} again for late readings)` : '';
  const megabytes = (result.bytes / 1e6).toFixed(1);
  return `archive: ${result.exported} tenant-days exported${again}, ${result.skipped} already archived; ${result.rows.toLocaleString('en')} rows in ${result.files} files (${megabytes} MB), ${result.range.since}..${result.range.until}, in ${result.ms} ms`;
}

/** One line, rewritten in place on a terminal: `archive: 3/12 days, 48,210 rows (acme/2026-11-04)`. */
export function progressLine(progress: ArchiveProgress): string {
  const current = progress.current === undefined ? '' : ` (${progress.current})`;
  return `archive: ${progress.daysDone}/${progress.daysToDo} days, ${progress.rows.toLocaleString('en')} rows${current}`;
}
