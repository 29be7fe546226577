/**
 * Components as processes of their own (`fleetstream <command>`), for the
 * benchmarks that measure them beside load made in the benchmark's process:
 * started with the environment given, waited for until `/readyz` answers, and
 * stopped with SIGTERM.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { ConnectionSettings } from '../../lib/config';
import { freePort } from '../../test/free-port';

/**
 * Starts `fleetstream <args>` (the compiled one when the benchmark runs
 * compiled) at LOG_LEVEL warn; its stdout (the JSON log lines) goes to
 * `onOutput` when given, else nowhere; its stderr to this one's.
 */
export function spawnCli(args: string[], env: Record<string, string>, onOutput?: (chunk: string) => void): ChildProcess {
  const extension = __filename.endsWith('.ts') ? '.ts' : '.js';
  const child = fork(join(__dirname, '..', '..', 'bin', `fleetstream${extension}`), args, {
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', onOutput ? 'pipe' : 'ignore', 'inherit', 'ipc'],
  });
  if (onOutput) child.stdout?.on('data', (chunk: Buffer) => onOutput(chunk.toString('utf8')));
  return child;
}

/** Waits until `/readyz` answers 200 (for the API: with its commands ready too). */
export async function waitReady(url: string, child: ChildProcess, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${what} exited with code ${child.exitCode}`);
    try {
      const response = await fetch(url);
      const body = (await response.json()) as { commands?: string };
      if (response.ok && (body.commands === undefined || body.commands === 'ready')) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${what} not ready at ${url} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** SIGTERM, and waits for the exit. */
export async function stopChild(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/**
 * `fleetstream <command>` on the stack's Kafka and schema registry, with the
 * registry (and its rules, subscriptions) in `schema`, its ops server on a
 * free port, its stdout to `onOutput`: ready when this resolves.
 */
export async function startComponent(command: string, settings: ConnectionSettings, schema: string, env: Record<string, string>, onOutput: (chunk: string) => void): Promise<{ child: ChildProcess; metricsUrl: string }> {
  const opsPort = await freePort();
  const connection = { KAFKA_BROKERS: settings.kafkaBrokers.join(','), SCHEMA_REGISTRY_URL: settings.schemaRegistryUrl, OPS_PORT: String(opsPort), REGISTRY_DATABASE_SCHEMA: schema };
  const child = spawnCli([command], { ...connection, ...env }, onOutput);
  await waitReady(`http://127.0.0.1:${opsPort}/readyz`, child, command);
  return { child, metricsUrl: `http://127.0.0.1:${opsPort}/metrics` };
}
