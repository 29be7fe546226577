/**
 * `fleetstream archive run` and `archive list`: the archive job, run by the
 * Kubernetes CronJob (infra/k8s/archive.cronjob.yaml) and by the local
 * stack's scheduler. Flags from its options schema; DATABASE_URL and the S3
 * credentials from the environment.
 */
import type { Command } from 'commander';
import { archiveOptionsSchema } from '../republishers/archive/options';
import { addOptionFlags, flagValues, variableValues } from './option-flags';
import { textTable } from './text-table';

function archiveInput(flags: Record<string, unknown>): Record<string, string> {
  return { ...variableValues(archiveOptionsSchema), ...flagValues(flags) };
}

async function runArchive(flags: Record<string, unknown>): Promise<void> {
  const { archive, archiveSummary, progressLine } = await import('../republishers/archive');
  const { json, ...options } = flags;
  const stop = new AbortController();
  const onSignal = (): void => stop.abort(new Error('stopped by a signal; the day under way is done again by the next run'));
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
  // days and rows on a terminal; the structured log events otherwise
  const terminal = process.stderr.isTTY;
  try {
    const result = await archive(archiveInput(options), { signal: stop.signal, onProgress: terminal ? (p) => process.stderr.write(`\r${progressLine(p)}\u001b[K`) : undefined });
    if (terminal) process.stderr.write('\n');
    console.log(json ? JSON.stringify(result) : archiveSummary(result));
  } finally {
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
  }
}

async function listArchive(flags: Record<string, unknown>): Promise<void> {
  const { listArchived } = await import('../republishers/archive');
  const { json, ...options } = flags;
  const days = await listArchived(archiveInput(options));
  if (json) console.log(JSON.stringify(days));
  else process.stdout.write(textTable(['tenant', 'day', 'revision', 'rows', 'files', 'bytes', 'archived at'], days.map((d) => [d.tenant, d.day, String(d.revision), String(d.rows), String(d.files), String(d.bytes), d.archivedAt.toISOString()])));
}

export function addArchiveCommands(program: Command): void {
  const archive = program.command('archive').description('closed days of raw readings and rollups as gzip CSV files with a manifest, in a directory or an S3-compatible bucket');
  addOptionFlags(
    archive
      .command('run')
      .description('export every closed (tenant, day) not archived yet, and days late raw readings changed; prints a one-line summary (DATABASE_URL, ARCHIVE_S3_*)')
      .option('--json', 'print the result as JSON'),
    archiveOptionsSchema,
  ).action(runArchive);
  addOptionFlags(
    archive.command('list').description('the days archived to --to, from the archived-days table').option('--json', 'print the days as JSON'),
    archiveOptionsSchema,
    ['correctionHorizon', 'settle', 'tenant', 's3Endpoint', 's3Region', 's3ForcePathStyle'],
  ).action(listArchive);
}
