/**
 * Runs a `fleetstream` command in a child process, the way the Kubernetes
 * CronJobs run it in a pod: the same executable this process was started as
 * (`node dist/bin/fleetstream.js`, with the same Node flags), the same
 * environment, its own exit code.
 */
import { spawn } from 'node:child_process';

export interface CommandResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Whether it was stopped for overrunning its timeout. */
  timedOut: boolean;
  /** The end of what it wrote to stdout and stderr. */
  output: string;
}

export interface RunningCommand {
  done: Promise<CommandResult>;
  /** SIGTERM: the command stops at its next safe point (a publish before its switch). */
  stop(): void;
}

export type CommandRunner = (args: readonly string[], timeoutMs: number) => RunningCommand;

/** Output kept per run, from its end: enough for the summary line or the error. */
const outputKept = 4096;
/** After SIGTERM, how long a command has before SIGKILL. */
const killAfterMs = 10_000;

export function fleetstreamCommand(executable: readonly string[] = [process.execPath, ...process.execArgv, process.argv[1]!]): CommandRunner {
  return (args, timeoutMs) => {
    const [command, ...prefix] = executable;
    const child = spawn(command!, [...prefix, ...args], { env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (chunk: Buffer): void => {
      output = (output + chunk.toString()).slice(-outputKept);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    let timedOut = false;
    let killer: NodeJS.Timeout | undefined;
    const stop = (): void => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      killer ??= setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    };
    const timeout = setTimeout(() => {
      timedOut = true;
      stop();
    }, timeoutMs);
    const done = new Promise<CommandResult>((resolve) => {
      child.once('error', (error) => {
        clearTimeout(timeout);
        resolve({ code: null, signal: null, timedOut, output: `${output}${error.message}` });
      });
      child.once('close', (code, signal) => {
        clearTimeout(timeout);
        clearTimeout(killer);
        resolve({ code, signal, timedOut, output });
      });
    });
    return { done, stop };
  };
}
