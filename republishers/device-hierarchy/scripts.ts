/**
 * The two steps of a publish that must be atomic, as Lua scripts run with
 * EVAL (once per publish: nothing to cache).
 */

/**
 * Makes a written generation current, if this run still holds the lock.
 * KEYS: current hash, lock, the new generation's nodes hash. ARGV: lock token,
 * generation, revision, publishedAt, tenants, sites, devices, retired TTL (ms),
 * what a nodes key is before its generation (`hierarchyNodesKey(prefix, '')`).
 * The new hash loses the expiry it was written with; the previous generation
 * gets the retired TTL. Returns the previous generation, or nil.
 */
export const switchGeneration = `
if redis.call('GET', KEYS[2]) ~= ARGV[1] then
  return redis.error_reply('LOCK_LOST the hierarchy lock expired or was taken before the switch')
end
if redis.call('PERSIST', KEYS[3]) == 0 and redis.call('EXISTS', KEYS[3]) == 0 then
  return redis.error_reply('GENERATION_MISSING the generation written is gone (expired or deleted) before the switch')
end
local previous = redis.call('HGET', KEYS[1], 'generation')
redis.call('HSET', KEYS[1], 'generation', ARGV[2], 'revision', ARGV[3], 'publishedAt', ARGV[4], 'tenants', ARGV[5], 'sites', ARGV[6], 'devices', ARGV[7])
if previous and previous ~= ARGV[2] then
  redis.call('PEXPIRE', ARGV[9] .. previous, ARGV[8])
end
return previous
`;

/** Deletes the lock (KEYS[1]) only if it still holds this run's token (ARGV[1]). */
export const releaseLock = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;
