/**
 * Real faults on the local stack (`make up`): stop a server, start it again.
 * Only the `faults` jest project uses these; it runs alone (in band, after the
 * other tests) so no other test sees the outage.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const stack = join(__dirname, '..', 'infra', 'local', 'stack.sh');
const run = promisify(execFile);

export async function stopKafka(): Promise<void> {
  await run(stack, ['stop-kafka']);
}

/** `make up` again: starts what is down (Kafka) and waits until it answers. */
export async function startStack(): Promise<void> {
  await run(stack, ['up'], { timeout: 180_000 });
}

async function waitUntil(check: () => Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Restarts the PostgreSQL cluster (Debian's pg_ctlcluster) and waits until it accepts connections. */
export async function restartPostgres(): Promise<void> {
  const { stdout } = await run('ls', ['/etc/postgresql']);
  const version = stdout.split('\n').filter(Boolean).sort((a, b) => Number(a) - Number(b)).pop();
  if (!version) throw new Error('no PostgreSQL cluster under /etc/postgresql: the restart test needs the local stack');
  await run('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'restart']);
  await waitUntil(async () => (await run('pg_isready', ['-q', '-h', '127.0.0.1'])).stdout !== undefined, 'PostgreSQL');
}

/**
 * Shuts Redis down and brings it back the way it was found (the stack
 * script's `restart-redis`): the machine's Redis from its own configuration
 * and still the machine's, so `make down` leaves it running; the stack's own
 * as the stack's.
 */
export async function restartRedis(): Promise<void> {
  await run(stack, ['restart-redis'], { timeout: 180_000 });
}
