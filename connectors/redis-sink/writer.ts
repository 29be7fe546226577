import type Redis from 'ioredis';
import type { ChainableCommander } from 'ioredis';
import type { Measurement, Rollup } from '../../schemas/types';
import { childrenKey, hierarchyEdges, latestKey, liveChannel, liveMessage, rollupMember, rollupsKey } from './keys';
import { putRollup, scripts, setLatest } from './scripts';

type Command = (pipeline: ChainableCommander) => void;

export function measurementCommands(prefix: string, measurements: readonly Measurement[]): Command[] {
  const commands: Command[] = [];
  const edges = new Map<string, Set<string>>();
  for (const m of measurements) {
    for (const [parent, child] of hierarchyEdges(m.path)) {
      let children = edges.get(parent);
      if (!children) edges.set(parent, (children = new Set()));
      children.add(child);
    }
    commands.push((p) => p.evalsha(setLatest.sha, 1, latestKey(prefix, m.path),
      m.timestamp, m.value, m.kind, m.unit ?? '', m.receivedAt, liveChannel(prefix, m.path), liveMessage(m)));
  }
  for (const [parent, children] of edges) commands.push((p) => p.sadd(childrenKey(prefix, parent), ...children));
  return commands;
}

export function rollupCommands(prefix: string, resolution: string, horizonMs: number, rollups: readonly Rollup[]): Command[] {
  return rollups.map((r) => (p: ChainableCommander) => p.evalsha(putRollup.sha, 1, rollupsKey(prefix, resolution, r.path), r.windowStart, r.revision, rollupMember(r), horizonMs));
}

/**
 * Sends the commands in pipelines of `depth`, in order; throws on the first
 * failed command (the whole batch is then retried: every command is
 * idempotent). Scripts missing after a server restart are loaded again first.
 */
export async function runPipelined(redis: Redis, commands: readonly Command[], depth: number): Promise<void> {
  for (let start = 0; start < commands.length; start += depth) {
    const pipeline = redis.pipeline();
    for (const command of commands.slice(start, start + depth)) command(pipeline);
    const results = (await pipeline.exec()) ?? [];
    const failed = results.find(([error]) => error);
    if (failed) {
      const error = failed[0] as Error;
      if (/NOSCRIPT/.test(error.message)) await loadScripts(redis);
      throw error;
    }
  }
}

export async function loadScripts(redis: Redis): Promise<void> {
  for (const s of scripts) await redis.script('LOAD', s.source);
}
