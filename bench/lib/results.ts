import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readConnectionSettings, type ConnectionSettings } from '../../lib/config';
import { machineFacts, serverVersions, type MachineFacts, type ServerVersions } from './machine';
import { resultsDirectory } from './paths';

/** What a benchmark reports; the writer adds the machine, the versions and the time. */
export interface BenchmarkReport {
  /** Everything that varies and was pinned: record sizes, partitions, batch settings, rates. */
  parameters: Record<string, unknown>;
  /** Every repetition of every variant, warm-ups excluded. */
  repetitions: Record<string, unknown>[] | Record<string, Record<string, unknown>[]>;
  /** Medians (and spreads) of the repetitions. */
  medians: Record<string, unknown>;
  /** Anything else worth keeping (charts written, notes, references and ratios). */
  [extra: string]: unknown;
}

export interface BenchmarkResult extends BenchmarkReport {
  name: string;
  finishedAt: string;
  machine: MachineFacts;
  versions: ServerVersions;
}

/** Writes `<directory>/<name>.json` (default `bench/results/`, or BENCH_RESULTS_DIR) and returns its path. */
export async function writeResult(name: string, report: BenchmarkReport, options: { directory?: string; settings?: ConnectionSettings } = {}): Promise<string> {
  const versions = await serverVersions(options.settings ?? readConnectionSettings());
  const result: BenchmarkResult = { name, finishedAt: new Date().toISOString(), machine: machineFacts(), versions, ...report };
  const dir = options.directory ?? resultsDirectory();
  await mkdir(dir, { recursive: true });
  const file = join(dir, `${name}.json`);
  await writeFile(file, `${JSON.stringify(result, null, 2)}\n`);
  return file;
}
