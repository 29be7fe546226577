/**
 * The whole pipeline as local processes (for `make demo` and the end-to-end
 * benchmark): every component started from the built CLI, logs and pid files
 * under `.local/pipeline/`, recorded in `.local/started/` so `make down` stops
 * them with the stack.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { components } from '../../bin/components';

const root = join(__dirname, '..', '..', '..');
const cli = join(root, 'dist', 'bin', 'fleetstream.js');
const pipelineDir = join(root, '.local', 'pipeline');
const startedDir = join(root, '.local', 'started');

export interface ComponentSpec {
  name: string;
  args: string[];
  opsPort: number;
  env?: Record<string, string>;
}

export interface RunningProcess {
  spec: ComponentSpec;
  pid: number;
  logFile: string;
}

/**
 * Every component of the table (bin/components.ts) but the ones the stack runs itself (see
 * `stackComponents`), with the ops port `/readyz` answers on. Each inherits this process's
 * environment, so any option (`ROLLUPS_ALLOWED_LATENESS=5m make demo`) reaches it; `env` adds to
 * it per component.
 */
export function pipelineComponents(env: Record<string, Record<string, string>> = {}, stackEnv: NodeJS.ProcessEnv = process.env): ComponentSpec[] {
  return components
    .filter((c) => !stackComponents.includes(c.name))
    .map((c) => {
      const own = { ...stackAccount(c.name, stackEnv), ...env[c.name] };
      return { name: c.name, args: [c.name], opsPort: c.opsPort, env: Object.keys(own).length > 0 ? own : undefined };
    });
}

/**
 * A component's broker account where it is not the one `make env` exports as MQTT_USERNAME and
 * MQTT_PASSWORD (the connector's): the downlink's, exported as DOWNLINK_MQTT_USERNAME and
 * DOWNLINK_MQTT_PASSWORD (infra/local/stack.sh), and the MQTT republisher's (REPUBLISHER_MQTT_*),
 * handed to each under the names it reads.
 */
function stackAccount(component: string, stackEnv: NodeJS.ProcessEnv): Record<string, string> {
  const prefix = ({ 'mqtt-downlink': 'DOWNLINK', 'mqtt-republisher': 'REPUBLISHER' } as Record<string, string>)[component];
  const username = prefix && stackEnv[`${prefix}_MQTT_USERNAME`];
  const password = prefix && stackEnv[`${prefix}_MQTT_PASSWORD`];
  return username && password ? { MQTT_USERNAME: username, MQTT_PASSWORD: password } : {};
}

/**
 * Components `make up` runs with the servers, not the pipeline: broker-auth-sync is part of the
 * broker (its sidecar in Kubernetes), so the stack's broker follows the registry whatever runs,
 * `fleetstream devices add` then a device connecting included (infra/local/stack.sh broker-sync).
 */
export const stackComponents: readonly string[] = ['broker-auth-sync'];

function pidFile(name: string): string {
  return join(pipelineDir, `${name}.pid`);
}

/** Whether a process of this pid exists (signal 0). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Stops a component a previous run left running (so the new one runs the current build). */
async function stopLeftover(name: string): Promise<void> {
  const file = pidFile(name);
  if (!existsSync(file)) return;
  const pid = Number(readFileSync(file, 'utf8'));
  if (!alive(pid)) return;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + 20_000;
  while (alive(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  if (alive(pid)) process.kill(pid, 'SIGKILL');
}

/** Components this process started and has not stopped yet (what `stopStartedOnInterrupt` stops). */
const startedHere = new Map<string, RunningProcess>();

export async function startComponent(spec: ComponentSpec, env: NodeJS.ProcessEnv = process.env): Promise<RunningProcess> {
  mkdirSync(pipelineDir, { recursive: true });
  mkdirSync(startedDir, { recursive: true });
  await stopLeftover(spec.name);
  const logFile = join(pipelineDir, `${spec.name}.log`);
  const out = openSync(logFile, 'w');
  const child = spawn(process.execPath, [cli, ...spec.args], {
    cwd: root,
    env: { ...env, OPS_PORT: String(spec.opsPort), ...spec.env },
    stdio: ['ignore', out, out],
    detached: true,
  });
  child.unref();
  const pid = child.pid!;
  writeFileSync(pidFile(spec.name), String(pid));
  writeFileSync(join(startedDir, `component-${spec.name}`), `pidfile ${pidFile(spec.name)}\n`);
  const running = { spec, pid, logFile };
  startedHere.set(spec.name, running);
  return running;
}

/** Waits until the component's `/readyz` answers 200; throws with its log tail when it does not in time or exits. */
export async function waitReady(process_: RunningProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!alive(process_.pid)) throw new ComponentFailure(process_, 'exited during start-up');
    try {
      const response = await fetch(`http://127.0.0.1:${process_.spec.opsPort}/readyz`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new ComponentFailure(process_, `not ready after ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

export async function startPipeline(specs: ComponentSpec[], env: NodeJS.ProcessEnv = process.env): Promise<RunningProcess[]> {
  const running: RunningProcess[] = [];
  for (const spec of specs) running.push(await startComponent(spec, env));
  for (const p of running) await waitReady(p);
  return running;
}

export async function stopPipeline(processes: RunningProcess[]): Promise<void> {
  await Promise.all(processes.map((p) => stopLeftover(p.spec.name)));
  for (const p of processes) if (startedHere.get(p.spec.name)?.pid === p.pid) startedHere.delete(p.spec.name);
}

/**
 * Makes SIGINT and SIGTERM stop the components this process started (and
 * has not stopped) before it exits with 130. They run detached, in process
 * groups of their own, so that `make demo` can leave them running; without
 * this a benchmark stopped with Ctrl-C left them consuming, and the next run
 * found their backlog. `log` says what is being done.
 */
export function stopStartedOnInterrupt(log: (line: string) => void): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      const started = [...startedHere.values()];
      log(`${signal}: stopping the ${started.length} component(s) this run started (${started.map((p) => p.spec.name).join(', ') || 'none'})`);
      void stopPipeline(started).finally(() => process.exit(130));
    });
  }
}

export function logTail(file: string, lines = 25): string {
  if (!existsSync(file)) return '(no log)';
  return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}

export class ComponentFailure extends Error {
  constructor(
    readonly process_: RunningProcess,
    reason: string,
  ) {
    super(`${process_.spec.name} ${reason}; the last lines of ${process_.logFile}:\n${logTail(process_.logFile)}`);
  }
}

/** The Prometheus text a component's ops server exposes at `/metrics`. */
export async function fetchMetrics(opsPort: number): Promise<string> {
  return (await fetch(`http://127.0.0.1:${opsPort}/metrics`)).text();
}

/**
 * Sum of a Prometheus metric's samples in `text` (see `fetchMetrics`): of every label set, or of
 * those carrying each of `labels` (`{ stage: 'rollups-1m', outcome: 'late' }`).
 */
export function sumMetric(text: string, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels).map(([label, value]) => `${label}="${value}"`);
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const labelText = line.startsWith(`${name}{`) ? line.slice(name.length + 1, line.lastIndexOf('}')) : '';
    if (wanted.every((pair) => labelText.split(',').includes(pair))) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

/** `sumMetric` over a component's `/metrics`, fetched for this one metric. */
export async function metricSum(opsPort: number, name: string, labels: Record<string, string> = {}): Promise<number> {
  return sumMetric(await fetchMetrics(opsPort), name, labels);
}
