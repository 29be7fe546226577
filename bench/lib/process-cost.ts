import { readdir, readFile } from 'node:fs/promises';

/**
 * What a process costs: CPU seconds and resident memory, from `/proc` for any
 * process (the servers) and from `process.cpuUsage()` for this one.
 */

/** Clock ticks per second of `/proc/<pid>/stat` times (USER_HZ); 100 on every Linux that matters. */
const ticksPerSecond = 100;

/** User plus system CPU seconds from the text of `/proc/<pid>/stat`. */
export function parseProcStat(text: string): { cpuSeconds: number; command: string } {
  // the command sits in parentheses and may itself contain spaces or parentheses
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  const fields = text.slice(close + 2).trim().split(/\s+/);
  // after the command: state(0) ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime(11) stime(12)
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return { cpuSeconds: (utime + stime) / ticksPerSecond, command: text.slice(open + 1, close) };
}

/** Resident memory in bytes (VmRSS) from the text of `/proc/<pid>/status`. */
export function parseProcStatusRss(text: string): number {
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(text);
  return match ? Number(match[1]) * 1024 : 0;
}

export interface ProcessSample {
  pid: number;
  cpuSeconds: number;
  rssBytes: number;
}

/** CPU seconds and RSS of a process now; undefined when it is gone. */
export async function sampleProcess(pid: number): Promise<ProcessSample | undefined> {
  try {
    const [stat, status] = await Promise.all([readFile(`/proc/${pid}/stat`, 'utf8'), readFile(`/proc/${pid}/status`, 'utf8')]);
    return { pid, cpuSeconds: parseProcStat(stat).cpuSeconds, rssBytes: parseProcStatusRss(status) };
  } catch {
    return undefined;
  }
}

/** This process, from `process.cpuUsage()` and `process.memoryUsage()`. */
export function sampleSelf(): ProcessSample {
  const usage = process.cpuUsage();
  return { pid: process.pid, cpuSeconds: (usage.user + usage.system) / 1e6, rssBytes: process.memoryUsage().rss };
}

export type ServerName = 'kafka' | 'postgres' | 'redis' | 'mosquitto';

/**
 * Pids of the local stack's servers, found by command line: Kafka is the JVM
 * running `kafka.Kafka`; PostgreSQL is every `postgres` process (postmaster,
 * background workers and the backends of open connections).
 */
export async function findServerPids(): Promise<Record<ServerName, number[]>> {
  const found: Record<ServerName, number[]> = { kafka: [], postgres: [], redis: [], mosquitto: [] };
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let cmdline: string;
    let comm: string;
    try {
      [cmdline, comm] = await Promise.all([readFile(`/proc/${entry}/cmdline`, 'utf8'), readFile(`/proc/${entry}/comm`, 'utf8')]);
    } catch {
      continue;
    }
    const args = cmdline.split('\0');
    const name = comm.trim();
    const pid = Number(entry);
    if (name === 'java' && args.includes('kafka.Kafka')) found.kafka.push(pid);
    else if (name === 'postgres' || name.startsWith('postgres')) found.postgres.push(pid);
    else if (name === 'redis-server') found.redis.push(pid);
    else if (name === 'mosquitto') found.mosquitto.push(pid);
  }
  return found;
}

export interface ProcessCost {
  /** CPU seconds used between start and stop, summed over the group's processes. */
  cpuSeconds: number;
  /** Highest summed RSS seen while sampling, and the last one. */
  peakRssBytes: number;
  endRssBytes: number;
  /** RSS samples over time, to check that memory stays flat. */
  rssSamples: { atSeconds: number; rssBytes: number }[];
}

export interface CostMeter {
  stop(): Promise<Record<string, ProcessCost>>;
}

/**
 * Measures groups of processes (`{ kafka: [pid], self: 'self' }`) from now until
 * `stop()`: CPU seconds used and RSS sampled every `intervalMs`. Processes that
 * start after the meter (new PostgreSQL backends) are not seen: pass their pids.
 */
export async function startCostMeter(groups: Record<string, readonly number[] | 'self'>, options: { intervalMs?: number } = {}): Promise<CostMeter> {
  const startedAt = performance.now();
  const sampleGroup = async (members: readonly number[] | 'self'): Promise<ProcessSample[]> =>
    members === 'self' ? [sampleSelf()] : (await Promise.all(members.map(sampleProcess))).filter((s): s is ProcessSample => s !== undefined);
  const sum = (samples: ProcessSample[], field: 'cpuSeconds' | 'rssBytes'): number => samples.reduce((t, s) => t + s[field], 0);
  const start = Object.fromEntries(await Promise.all(Object.entries(groups).map(async ([name, members]) => [name, await sampleGroup(members)] as const)));
  const rss: Record<string, { atSeconds: number; rssBytes: number }[]> = Object.fromEntries(Object.keys(groups).map((name) => [name, []]));
  const sampleRss = async (): Promise<void> => {
    const at = (performance.now() - startedAt) / 1000;
    for (const [name, members] of Object.entries(groups)) rss[name]?.push({ atSeconds: at, rssBytes: sum(await sampleGroup(members), 'rssBytes') });
  };
  await sampleRss();
  let sampling = Promise.resolve();
  const timer = setInterval(() => {
    sampling = sampling.then(sampleRss);
  }, options.intervalMs ?? 1000);
  return {
    async stop() {
      clearInterval(timer);
      await sampling;
      await sampleRss();
      const result: Record<string, ProcessCost> = {};
      for (const [name, members] of Object.entries(groups)) {
        const end = await sampleGroup(members);
        const before = new Map((start[name] ?? []).map((s) => [s.pid, s.cpuSeconds]));
        const cpuSeconds = end.reduce((t, s) => t + s.cpuSeconds - (before.get(s.pid) ?? 0), 0);
        const samples = rss[name] ?? [];
        result[name] = {
          cpuSeconds,
          peakRssBytes: Math.max(0, ...samples.map((s) => s.rssBytes)),
          endRssBytes: samples[samples.length - 1]?.rssBytes ?? 0,
          rssSamples: samples,
        };
      }
      return result;
    },
  };
}

/** CPU seconds per million readings, the cost figure BENCHMARKING.md asks for. */
export function cpuSecondsPerMillion(cpuSeconds: number, readings: number): number {
  return readings > 0 ? (cpuSeconds * 1e6) / readings : Number.NaN;
}
