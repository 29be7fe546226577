/**
 * TimescaleDB for tests: PGlite (PostgreSQL 17 in WASM) with the TimescaleDB
 * extension, run in a child Node process and driven over stdio, one JSON line
 * per query each way.
 *
 * Why a child process: PGlite loads Node builtins with dynamic `import()`
 * (fs/promises, zlib, util, stream) when it starts, and jest's CommonJS VM
 * rejects dynamic imports unless Node runs with --experimental-vm-modules
 * (ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING_FLAG). Its in-process `query` API is
 * used, not its socket server.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { onCleanup } from './factories';

import type { Reply } from './pglite-timescaledb-server';

export interface TimescaleLite {
  query(text: string, params?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
  /** Runs a `COPY ... FROM '/dev/blob'` statement reading `data`. */
  copyFrom(text: string, data: Buffer): Promise<void>;
}

/** Starts PGlite with TimescaleDB (`create extension` done); closed after the file's tests. */
export async function startTimescaleLite(): Promise<TimescaleLite> {
  const child = spawn(process.execPath, ['-r', './test/swc-register.js', 'test/pglite-timescaledb-server.ts'], { cwd: join(__dirname, '..'), stdio: ['pipe', 'pipe', 'inherit'] });
  const waiting = new Map<number, (reply: Reply) => void>();
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const reply = JSON.parse(line) as Reply;
    waiting.get(reply.id)?.(reply);
    waiting.delete(reply.id);
  });
  child.once('exit', (code) => {
    for (const resolve of waiting.values()) resolve({ id: -1, error: `the PGlite process exited (${code})` });
    waiting.clear();
  });
  let next = 0;
  const query = (text: string, params: unknown[] = [], blob?: Buffer) =>
    new Promise<{ rows: Record<string, unknown>[] }>((resolve, reject) => {
      const id = next++;
      waiting.set(id, (reply) => (reply.error !== undefined ? reject(new Error(reply.error)) : resolve({ rows: reply.rows ?? [] })));
      child.stdin!.write(`${JSON.stringify({ id, text, params, blob: blob?.toString('base64') })}\n`);
    });
  onCleanup(async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.stdin!.end();
    await exited;
  });
  await query('create extension if not exists timescaledb');
  return { query: (text, params) => query(text, params), copyFrom: async (text, data) => void (await query(text, [], data)) };
}
