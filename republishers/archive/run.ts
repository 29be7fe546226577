/**
 * One archive run: every closed (tenant, day) in the range that the
 * archived-days table does not hold yet, or holds but late raw readings made
 * stale, oldest first. Per (tenant, day): remove what a killed run left half
 * written, write each table's file whole, then the manifest, then the row in
 * `archived_days`. A run killed anywhere leaves that day without its row, so
 * the next run does the day again from the start, overwriting its files.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import type { Pool } from 'pg';
import type { Logger } from '../../lib/logger';
import { dayFolder, manifestKey } from './archive-layout';
import type { ArchiveStore } from './archive-store';
import { closedDays } from './closed-days';
import { exportDay } from './day-export';
import type { ArchiveDestination } from './destination';
import { archiveSchemaVersion, manifestText, type DayManifest } from './manifest';
import type { ArchiveOptions } from './options';

export interface ArchiveProgress {
  daysDone: number;
  daysToDo: number;
  rows: number;
  /** The (tenant, day) being exported. */
  current?: string;
}

export interface ArchiveRunResult {
  /** (tenant, day) exported by this run, re-exports included. */
  exported: number;
  /** Of which exported again because late raw readings arrived after the last export. */
  reexported: number;
  /** Already archived, left alone. */
  skipped: number;
  rows: number;
  files: number;
  bytes: number;
  /** The closed days the run considered, or null when there were none. */
  range: { since: string; until: string } | null;
  ms: number;
}

export interface RunContext {
  pool: Pool;
  store: ArchiveStore;
  destination: ArchiveDestination;
  logger: Logger;
  now: number;
  signal?: AbortSignal;
  onProgress?: (progress: ArchiveProgress) => void;
}

/** What to export: the closed days × tenants not archived yet, or archived but stale. Pure. */
export interface DayToExport {
  tenant: string;
  day: string;
  /** Archived before: late raw readings made it stale. */
  again: boolean;
}

export function daysToExport(days: readonly string[], tenants: readonly string[], archived: ReadonlySet<string>, stale: ReadonlySet<string>): DayToExport[] {
  return days.flatMap((day) => tenants.flatMap((tenant): DayToExport[] => {
    const id = `${tenant}/${day}`;
    if (!archived.has(id)) return [{ tenant, day, again: false }];
    return stale.has(id) ? [{ tenant, day, again: true }] : [];
  }));
}

export async function runArchive(options: ArchiveOptions, context: RunContext): Promise<ArchiveRunResult> {
  const started = performance.now();
  const { store, destination, logger } = context;
  await destination.check();
  const known = await store.tenants();
  const tenants = options.tenant ?? known.tenants;
  const since = options.since ?? known.firstDay;
  const days = since === null ? [] : closedDays({ since, until: options.until }, context.now, options.correctionHorizon, options.settle);
  const result: ArchiveRunResult = { exported: 0, reexported: 0, skipped: 0, rows: 0, files: 0, bytes: 0, range: days.length === 0 ? null : { since: days[0]!, until: days.at(-1)! }, ms: 0 };
  if (days.length === 0 || tenants.length === 0) return { ...result, ms: Math.round(performance.now() - started) };

  const archivedDays = await store.archived(destination.url, days[0], days.at(-1));
  const revisions = new Map(archivedDays.map((a) => [`${a.tenant}/${a.day}`, a.revision]));
  const stale = new Set((await store.stale(destination.url)).map((s) => `${s.tenant}/${s.day}`));
  const todo = daysToExport(days, tenants, new Set(revisions.keys()), stale);
  result.skipped = days.length * tenants.length - todo.length;
  logger.info({ event: 'archive_started', destination: destination.url, since: days[0], until: days.at(-1), tenants: tenants.length, toExport: todo.length, skipped: result.skipped }, 'archive run started');

  const progress: ArchiveProgress = { daysDone: 0, daysToDo: todo.length, rows: 0 };
  for (const { tenant, day, again } of todo) {
    context.signal?.throwIfAborted();
    progress.current = `${tenant}/${day}`;
    context.onProgress?.(progress);
    await destination.removePartials(dayFolder(tenant, day));
    const exported = await exportDay(context.pool, options.databaseSchema, destination, tenant, day, (rows) => {
      progress.rows += rows;
      context.onProgress?.(progress);
    });
    const revision = (revisions.get(`${tenant}/${day}`) ?? 0) + 1;
    const manifest: DayManifest = {
      schemaVersion: archiveSchemaVersion,
      tenant,
      day,
      format: 'csv+gzip',
      revision,
      exportedAt: exported.snapshotAt.toISOString(),
      correctionHorizonMs: options.correctionHorizon,
      files: exported.files,
    };
    const text = manifestText(manifest);
    await destination.write(manifestKey(tenant, day), Readable.from([Buffer.from(text)]));
    const rows = exported.files.reduce((sum, f) => sum + f.rows, 0);
    const bytes = exported.files.reduce((sum, f) => sum + f.bytes, 0);
    await store.record({
      destination: destination.url, tenant, day, revision, rows, files: exported.files.length, bytes,
      manifestSha256: createHash('sha256').update(text).digest('hex'), schemaVersion: archiveSchemaVersion, snapshotAt: exported.snapshotAt,
    });
    Object.assign(result, { exported: result.exported + 1, reexported: result.reexported + (again ? 1 : 0), rows: result.rows + rows, files: result.files + exported.files.length, bytes: result.bytes + bytes });
    progress.daysDone++;
    logger.info({ event: 'archive_day_done', tenant, day, revision, rows, files: exported.files.length, bytes, reexport: again }, `archived ${tenant} ${day}`);
  }
  progress.current = undefined;
  context.onProgress?.(progress);
  return { ...result, ms: Math.round(performance.now() - started) };
}

/** A run's id, in its partial files' names. */
export function runId(): string {
  return randomBytes(6).toString('hex');
}
