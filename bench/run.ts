/**
 * Runs benchmarks by name: `node dist/bench/run.js [names...]`, each a module
 * `bench/<name>.bench.ts` exporting `run(): Promise<object>`; no names runs
 * them all. Progress goes to stderr, a one-line result per benchmark to stdout;
 * the exit code is 1 when any benchmark failed.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { stopStartedOnInterrupt } from '../infra/local/pipeline';

interface BenchmarkModule {
  run(): Promise<object>;
}

function available(): string[] {
  return readdirSync(__dirname)
    .filter((f) => /\.bench\.(js|ts)$/.test(f) && !f.endsWith('.d.ts'))
    .map((f) => f.replace(/\.bench\.(js|ts)$/, ''))
    .sort();
}

async function main(names: string[]): Promise<number> {
  const known = available();
  const unknown = names.filter((n) => !known.includes(n));
  if (unknown.length > 0) {
    console.error(`bench: no benchmark named ${unknown.join(', ')}; there are: ${known.join(', ') || '(none)'}`);
    return 2;
  }
  let failed = 0;
  for (const name of names.length > 0 ? names : known) {
    const started = performance.now();
    console.error(`bench: ${name} starting`);
    try {
      const module = (await import(join(__dirname, `${name}.bench`))) as BenchmarkModule;
      const result = await module.run();
      const seconds = (performance.now() - started) / 1000;
      console.error(`bench: ${name} done in ${seconds.toFixed(1)} s`);
      console.log(`${name}: ${JSON.stringify(result)}`);
    } catch (error) {
      failed++;
      console.error(`bench: ${name} FAILED after ${((performance.now() - started) / 1000).toFixed(1)} s:`, error);
    }
  }
  return failed > 0 ? 1 : 0;
}

stopStartedOnInterrupt((line) => console.error(`bench: ${line}`));
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error('bench:', error);
    process.exitCode = 1;
  },
);
