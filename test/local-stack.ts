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
