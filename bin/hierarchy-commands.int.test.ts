import Redis from 'ioredis';
import { freePort, freshKeyPrefix, onCleanup, testSettings } from '../test/factories';
import { spawnComponent } from '../test/cli-process';
import { addDevice } from '../registry';
import { freshRegistry } from '../registry/registry.fixture';
import type { Registry } from '../registry/registry-connection';
import { hierarchyCurrentKey, hierarchyLockKey } from '../schemas/redis-hierarchy';

describe('fleetstream hierarchy publish (the command)', () => {
  let registry: Registry;
  let redis: Redis;
  let prefix: string;
  beforeAll(async () => {
    registry = await freshRegistry();
    await addDevice(registry, { tenant: 'hjc-acme', site: 'plant1', device: 'gw' }, { tags: { model: 'EM24' } });
    redis = new Redis(testSettings().redisUrl);
    prefix = freshKeyPrefix();
    onCleanup(async () => {
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      await redis.quit();
    });
  });

  async function fleetstream(env: Record<string, string>, ...args: string[]): Promise<{ code: number | string; output: string }> {
    const process = spawnComponent('hierarchy', { REGISTRY_DATABASE_SCHEMA: registry.schema, ...env }, ['publish', '--key-prefix', prefix, ...args]);
    return { code: await process.exited, output: process.output() };
  }

  it('prints a one-line summary, or the result as JSON, exits 0, and leaves no lock', async () => {
    const first = await fleetstream({});
    expect(first).toEqual({ code: 0, output: expect.stringMatching(/^hierarchy: published revision \d+ as generation 1 \(1 tenant, 1 site, 1 device; first publish\) in \d+ ms\n$/) });
    const second = await fleetstream({}, '--json');
    expect(second.code).toBe(0);
    expect(JSON.parse(second.output)).toMatchObject({ generation: 2, previousGeneration: 1, tenants: 1, sites: 1, devices: 1, pruned: { tenants: 0, sites: 0, devices: 0 } });
    expect(await redis.hget(hierarchyCurrentKey(prefix), 'generation')).toBe('2');
    expect(await redis.exists(hierarchyLockKey(prefix))).toBe(0);
  }, 60_000);

  it('exits 1 naming the variable to check when Redis or PostgreSQL cannot be reached, publishing nothing', async () => {
    const closed = await freePort();
    const before = await redis.hget(hierarchyCurrentKey(prefix), 'generation');
    const [noRedis, noDatabase] = await Promise.all([
      fleetstream({ REDIS_URL: `redis://127.0.0.1:${closed}` }),
      fleetstream({ DATABASE_URL: `postgres://postgres@127.0.0.1:${closed}/fleetstream` }),
    ]);
    expect(noRedis.code).toBe(1);
    expect(noRedis.output).toMatch(/cannot reach Redis at redis:\/\/127\.0\.0\.1:\d+ \(check REDIS_URL\): connect ECONNREFUSED.*\[REDIS_UNAVAILABLE\]/);
    expect(noDatabase.code).toBe(1);
    expect(noDatabase.output).toMatch(/reading the hierarchy failed: .*ECONNREFUSED.*\(check DATABASE_URL\) \[DATABASE_UNAVAILABLE\]/);
    expect(await redis.hget(hierarchyCurrentKey(prefix), 'generation')).toBe(before);
    expect(await redis.exists(hierarchyLockKey(prefix))).toBe(0);
  }, 60_000);
});
