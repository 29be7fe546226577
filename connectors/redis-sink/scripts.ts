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
 * Many readings in one call. ARGV[1] and ARGV[2]: what a latest hash's key and
 * a live channel start with (`latestKey(prefix, '')`, `liveChannel(prefix, '')`
 * of schemas/redis-keys.ts); ARGV[3]: the readings as JSON, an array of
 * `[path, time, value, kind, unit, receivedAt, live message]`, every element a
 * string (numbers keep their exact decimal form; unit '' for none). Each
 * reading is stored in its latest hash and published on its live channel only
 * when strictly newer by event time than what the hash holds, in array order,
 * so a series twice in one call is right too. Returns how many were applied.
 *
 * Why one call for many readings, with the data as one JSON argument: a call
 * per reading with eight arguments cost the sink's Redis client about 12 µs a
 * reading, several times what Redis spends (bench/sinks.bench.ts). The script
 * builds its keys, so it needs a standalone Redis (with replicas or Sentinel),
 * not Redis Cluster.
 */
export const setLatest = script(`
local latest, live = ARGV[1], ARGV[2]
local readings = cjson.decode(ARGV[3])
local applied = 0
for _, r in ipairs(readings) do
  local key = latest .. r[1]
  local current = redis.call('HGET', key, 'time')
  if not current or tonumber(current) < tonumber(r[2]) then
    redis.call('HSET', key, 'time', r[2], 'value', r[3], 'kind', r[4], 'unit', r[5], 'receivedAt', r[6])
    redis.call('PUBLISH', live .. r[1], r[7])
    applied = applied + 1
  end
end
return applied
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

/**
 * One downlink message into a device's mailbox (schemas/redis-keys.ts).
 * KEYS: the mailbox hash, the device's http-device marker, its notify channel.
 * ARGV[1] the subtopic; ARGV[2] the entry, '' to delete the field (an empty
 * retained payload clears, as on MQTT); ARGV[3] '1' for a command request,
 * kept only when the device talks HTTP (the marker exists); ARGV[4] the
 * mailbox's time to live, ms. Returns 1 when the mailbox changed.
 */
export const putMailbox = script(`
if ARGV[3] == '1' and redis.call('EXISTS', KEYS[2]) == 0 then return 0 end
if ARGV[2] == '' then
  redis.call('HDEL', KEYS[1], ARGV[1])
else
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
end
redis.call('PEXPIRE', KEYS[1], ARGV[4])
redis.call('PUBLISH', KEYS[3], ARGV[1])
return 1
`);

export const scripts = [setLatest, putRollup, putMailbox];
