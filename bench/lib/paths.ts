import { join } from 'node:path';
import { repositoryRoot } from '../../lib/repository-root';

/** Where results go: BENCH_RESULTS_DIR, else `bench/results/` of the checkout. */
export function resultsDirectory(): string {
  return process.env.BENCH_RESULTS_DIR || join(repositoryRoot(), 'bench', 'results');
}
