/**
 * Lua scripts: each compare-and-set runs atomically inside Redis, so two
 * writers (or a replay racing a fresh reading) cannot interleave, and a
 * pipeline of them is one round trip.
 */
import { createHash } from 'node:crypto';

export interface Script {
  source: string;
  sha: string;
}

function script(source: string): Script {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

/**
 * KEYS[1] latest hash. ARGV: time (epoch ms), value, kind, unit, receivedAt, live channel, live message.
 * Applies and publishes only a reading strictly newer by event time; returns 1 when applied.
 */
export const setLatest = script(`
local current = redis.call('HGET', KEYS[1], 'time')
if current and tonumber(current) >= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'time', ARGV[1], 'value', ARGV[2], 'kind', ARGV[3], 'unit', ARGV[4], 'receivedAt', ARGV[5])
redis.call('PUBLISH', ARGV[6], ARGV[7])
return 1
`);

/**
 * KEYS[1] sorted set of one series and resolution. ARGV: window start, revision, member (Rollup JSON), horizon ms.
 * Keeps at most one member per window start, the highest revision; drops members older than
 * the newest window minus the horizon, and lets the key expire a horizon after its last write.
 */
export const putRollup = script(`
local ws = tonumber(ARGV[1])
local revision = tonumber(ARGV[2])
local horizon = tonumber(ARGV[4])
local newest = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
local top = ws
if newest[2] then
  top = math.max(ws, tonumber(newest[2]))
  if ws < top - horizon then return 0 end
end
local existing = redis.call('ZRANGEBYSCORE', KEYS[1], ws, ws)
for _, member in ipairs(existing) do
  local held = tonumber(string.match(member, '"revision":(%d+)'))
  if held and held >= revision then return 0 end
end
for _, member in ipairs(existing) do redis.call('ZREM', KEYS[1], member) end
redis.call('ZADD', KEYS[1], ws, ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. string.format('%d', top - horizon))
redis.call('PEXPIRE', KEYS[1], horizon)
return 1
`);

export const scripts = [setLatest, putRollup];
