import type Redis from 'ioredis';
import type { ChainableCommander } from 'ioredis';
import type { DownlinkMessage, Measurement, Rollup } from '../../schemas/types';
import { childrenKey, httpDeviceKey, latestKey, liveChannel, liveMessage, mailboxChannel, mailboxEntry, mailboxKey, rollupMember, rollupsKey } from '../../schemas/redis-keys';
import { deviceKey } from '../../schemas/device-topics';
import { hierarchyEdges } from '../../schemas/series-path';
import { redisError } from './redis-error';
import { putMailbox, putRollup, scripts, setLatest } from './scripts';

type Command = (pipeline: ChainableCommander) => void;

/**
 * What this sink has written, per series: the newest event time it sent to the
 * latest-value script (once the script ran, Redis holds a value at least that
 * new, whoever else writes) and, by the series' presence, that its hierarchy
 * edges are stored. A reading no newer than that cannot change the latest
 * value, so it is not sent: a device's uploaded backlog costs Redis nothing.
 * Forgotten when Redis reconnects (it may have restarted empty), and all at
 * once when it would hold more than `limit` series (it is rebuilt as readings
 * come).
 */
export class WrittenSeries {
  private readonly newest = new Map<string, number>();

  constructor(private readonly limit: number) {}

  /** The newest event time written for the path, if this sink knows it. */
  newestTime(path: string): number | undefined {
    return this.newest.get(path);
  }

  add(written: ReadonlyMap<string, number>): void {
    if (this.newest.size + written.size > this.limit) this.newest.clear();
    for (const [path, time] of written) keepNewest(this.newest, path, time);
  }

  clear(): void {
    this.newest.clear();
  }
}

function keepNewest(times: Map<string, number>, path: string, time: number): void {
  const held = times.get(path);
  if (held === undefined || held < time) times.set(path, time);
}

export interface MeasurementWrite {
  commands: Command[];
  /** Readings left out: none could change its series' latest value. */
  skipped: number;
  /** Call once every command succeeded. */
  written(): void;
}

/**
 * The latest values (`readingsPerCall` readings per script call) of the
 * readings that may be newer than what `series` says was written, and the
 * hierarchy edges of paths it does not know.
 */
export function measurementCommands(prefix: string, measurements: readonly Measurement[], readingsPerCall: number, series?: WrittenSeries): MeasurementWrite {
  const sent = new Map<string, number>();
  const fresh: Measurement[] = [];
  for (const m of measurements) {
    const known = series?.newestTime(m.path);
    if (known !== undefined && m.timestamp <= known) continue;
    fresh.push(m);
    keepNewest(sent, m.path, m.timestamp);
  }
  const commands: Command[] = [];
  for (let start = 0; start < fresh.length; start += readingsPerCall) {
    const readings = fresh.slice(start, start + readingsPerCall)
      .map((m) => [m.path, String(m.timestamp), String(m.value), m.kind, m.unit ?? '', String(m.receivedAt), liveMessage(m)]);
    const json = JSON.stringify(readings);
    commands.push((p) => p.evalsha(setLatest.sha, 0, latestKey(prefix, ''), liveChannel(prefix, ''), json));
  }
  const edges = new Map<string, Set<string>>();
  for (const path of sent.keys()) {
    if (series?.newestTime(path) !== undefined) continue;
    for (const [parent, child] of hierarchyEdges(path)) {
      let children = edges.get(parent);
      if (!children) edges.set(parent, (children = new Set()));
      children.add(child);
    }
  }
  for (const [parent, children] of edges) commands.push((p) => p.sadd(childrenKey(prefix, parent), ...children));
  return { commands, skipped: measurements.length - fresh.length, written: () => series?.add(sent) };
}

export function rollupCommands(prefix: string, resolution: string, horizonMs: number, rollups: readonly Rollup[]): Command[] {
  return rollups.map((r) => (p: ChainableCommander) => p.evalsha(putRollup.sha, 1, rollupsKey(prefix, resolution, r.path), r.windowStart, r.revision, rollupMember(r), horizonMs));
}

/** Each downlink message into its device's mailbox, in order; an empty retained payload clears its subtopic. */
export function mailboxCommands(prefix: string, ttlMs: number, messages: readonly DownlinkMessage[]): Command[] {
  return messages.map((m) => {
    const key = deviceKey(m);
    const entry = m.retain && m.payload.length === 0 ? '' : mailboxEntry(m);
    const isCommand = m.subtopic.startsWith('cmd/req/') ? '1' : '0';
    return (p: ChainableCommander) => p.evalsha(putMailbox.sha, 3, mailboxKey(prefix, key), httpDeviceKey(prefix, key), mailboxChannel(prefix, key), m.subtopic, entry, isCommand, ttlMs);
  });
}

/**
 * Sends the commands in pipelines of `depth`, in order, each pipeline without
 * waiting for the one before (Redis answers a connection's commands in order,
 * and our side builds the next pipeline while Redis runs the last); throws on
 * the first failed command, classified by redis-error.ts (every command is
 * idempotent, so the batch, or its halves, can be written again). Scripts missing after a server restart are loaded again first.
 */
export async function runPipelined(redis: Redis, commands: readonly Command[], depth: number, doing = 'writing to Redis'): Promise<void> {
  const sent: Promise<[Error | null, unknown][] | null>[] = [];
  for (let start = 0; start < commands.length; start += depth) {
    const pipeline = redis.pipeline();
    for (const command of commands.slice(start, start + depth)) command(pipeline);
    sent.push(pipeline.exec());
  }
  for (const exec of sent) {
    const results = (await exec.catch((error: Error) => { throw redisError(error, doing); })) ?? [];
    const failed = results.find(([error]) => error);
    if (failed) {
      const error = failed[0] as Error;
      if (/NOSCRIPT/.test(error.message)) await loadScripts(redis);
      throw redisError(error, doing);
    }
  }
}

export async function loadScripts(redis: Redis): Promise<void> {
  for (const s of scripts) await redis.script('LOAD', s.source);
}
