import type Redis from 'ioredis';
import type { ChainableCommander } from 'ioredis';
import type { DownlinkMessage, Measurement, Rollup } from '../../schemas/types';
import { childrenKey, httpDeviceKey, latestKey, liveChannel, liveMessage, mailboxChannel, mailboxEntry, mailboxKey, rollupMember, rollupsKey } from '../../schemas/redis-keys';
import { deviceKey } from '../../schemas/device-topics';
import { hierarchyEdges } from '../../schemas/series-path';
import { redisError } from './redis-error';
import { putMailbox, putRollup, scripts, setLatest } from './scripts';

type Command = (pipeline: ChainableCommander) => void;

/** The hierarchy edges already stored, so a batch adds only new paths' edges; forgotten when Redis reconnects (it may have restarted empty). */
export class HierarchyCache {
  private readonly indexed = new Set<string>();

  has(path: string): boolean {
    return this.indexed.has(path);
  }

  add(paths: Iterable<string>): void {
    for (const path of paths) this.indexed.add(path);
  }

  clear(): void {
    this.indexed.clear();
  }
}

export interface MeasurementWrite {
  commands: Command[];
  /** Call once every command succeeded. */
  written(): void;
}

/** The latest values (`readingsPerCall` readings per script call) and the hierarchy edges of paths not yet indexed. */
export function measurementCommands(prefix: string, measurements: readonly Measurement[], readingsPerCall: number, hierarchy?: HierarchyCache): MeasurementWrite {
  const commands: Command[] = [];
  for (let start = 0; start < measurements.length; start += readingsPerCall) {
    const readings = measurements.slice(start, start + readingsPerCall)
      .map((m) => [m.path, String(m.timestamp), String(m.value), m.kind, m.unit ?? '', String(m.receivedAt), liveMessage(m)]);
    const json = JSON.stringify(readings);
    commands.push((p) => p.evalsha(setLatest.sha, 0, latestKey(prefix, ''), liveChannel(prefix, ''), json));
  }
  const newPaths = new Set<string>();
  for (const m of measurements) if (!hierarchy?.has(m.path)) newPaths.add(m.path);
  const edges = new Map<string, Set<string>>();
  for (const path of newPaths) {
    for (const [parent, child] of hierarchyEdges(path)) {
      let children = edges.get(parent);
      if (!children) edges.set(parent, (children = new Set()));
      children.add(child);
    }
  }
  for (const [parent, children] of edges) commands.push((p) => p.sadd(childrenKey(prefix, parent), ...children));
  return { commands, written: () => hierarchy?.add(newPaths) };
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
