/**
 * Components as real processes, for tests that kill them (SIGKILL), stop
 * them (SIGTERM) or watch them exit: `fleetstream <command>` run from the
 * TypeScript sources, compiled on require by test/swc-register.js (no build
 * step).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { onCleanup } from './factories';

/** The session timeout of the processes' consumers (the local stack's and the test container's brokers accept 1 s and more). */
const TEST_SESSION_TIMEOUT = '5s';

export interface ComponentProcess {
  child: ChildProcess;
  /** Everything the process wrote so far (its JSON log lines). */
  output(): string;
  /** Resolves with the exit code (or the signal name) once it ended. */
  exited: Promise<number | string>;
  kill(signal: NodeJS.Signals): Promise<number | string>;
}

/** Starts `fleetstream <command> [args]` with the test's connection settings plus `env`; killed after the file's tests. */
/** `env` adds to this process's environment; a variable given as undefined is left out. */
export function spawnComponent(command: string, env: Record<string, string | undefined>, args: string[] = []): ComponentProcess {
  return spawnTypeScript(['bin/fleetstream.ts', command, ...args], env);
}

/**
 * Calls a component module's `start(input)` in a process of its own, which
 * prints `start_rejected <code>` if start rejected. Nothing ends that process:
 * it exits by itself only once nothing it opened is left open, which is what
 * a test of a failed start asserts.
 */
export function spawnStart(modulePath: string, input: Record<string, unknown>): ComponentProcess {
  const script = `require(${JSON.stringify(`./${modulePath}`)}).start(JSON.parse(process.env.START_INPUT)).then(
    () => console.log('started'),
    (error) => console.log('start_rejected', error.code ?? error.message))`;
  return spawnTypeScript(['-e', script], { START_INPUT: JSON.stringify(input) });
}

function spawnTypeScript(args: string[], env: Record<string, string | undefined>): ComponentProcess {
  const child = spawn(process.execPath, ['-r', './test/swc-register.js', ...args], {
    cwd: join(__dirname, '..'),
    // KAFKA_SESSION_TIMEOUT: a killed process's partitions move on within seconds rather than the default 10 s
    env: { ...process.env, LOG_LEVEL: 'info', OPS_PORT: '0', KAFKA_SESSION_TIMEOUT: TEST_SESSION_TIMEOUT, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  const kill = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    return exited;
  };
  onCleanup(async () => {
    await kill('SIGKILL');
  });
  return { child, output: () => output, exited, kill };
}
