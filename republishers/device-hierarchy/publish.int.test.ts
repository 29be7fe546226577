import Redis from 'ioredis';
import { FleetstreamError } from '../../lib/errors';
import { addDevice, removeDevice, type Registry } from '../../registry';
import { freshRegistry } from '../../registry/registry.fixture';
import { currentHierarchyFromHash, hierarchyCurrentKey, hierarchyLockKey, hierarchyNodesKey, type HierarchyNode } from '../../schemas/redis-hierarchy';
import { freshKeyPrefix, onCleanup, testSettings } from '../../test/factories';
import { publishHierarchy } from './publish';

const settings = { retiredTtl: 60_000, lockTimeout: 60_000, nodesPerCommand: 500 };

function redisClient(): Redis {
  const redis = new Redis(testSettings().redisUrl, { maxRetriesPerRequest: 3 });
  onCleanup(async () => {
    await redis.quit().catch(() => redis.disconnect());
  });
  return redis;
}

/** A key prefix of the test's own, its keys deleted after the file's tests. */
function freshPrefix(redis: Redis): string {
  const prefix = freshKeyPrefix();
  onCleanup(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
  });
  return prefix;
}

/** The tree as the documented reader reads it: `current`'s generation, then that generation's nodes. */
async function readTree(redis: Redis, prefix: string): Promise<{ generation: number; nodes: Record<string, HierarchyNode> }> {
  const current = currentHierarchyFromHash(await redis.hgetall(hierarchyCurrentKey(prefix)))!;
  const fields = await redis.hgetall(hierarchyNodesKey(prefix, current.generation));
  return { generation: current.generation, nodes: Object.fromEntries(Object.entries(fields).map(([path, json]) => [path, JSON.parse(json) as HierarchyNode])) };
}

/** `count` devices in each of `sites` sites of `tenant`, written with SQL: addDevice hashes a password per device. */
async function insertDevices(registry: Registry, tenant: string, sites: number, count: number): Promise<void> {
  const t = registry.tables;
  await registry.pool.query(`insert into ${t.tenants} (name, revision) values ($1, 1)`, [tenant]);
  await registry.pool.query(`insert into ${t.sites} (tenant, name, revision) select $1, 's' || i, 1 from generate_series(1, $2::int) i`, [tenant, sites]);
  await registry.pool.query(
    `insert into ${t.devices} (tenant, site, name, tags, revision)
     select $1, 's' || s, 'd' || d, jsonb_build_object('model', 'EM' || d, 'floor', (d % 7)::text), 1
       from generate_series(1, $2::int) s, generate_series(1, $3::int) d`,
    [tenant, sites, count],
  );
}

describe('fleetstream hierarchy publish', () => {
  let registry: Registry;
  let redis: Redis;
  beforeAll(async () => {
    registry = await freshRegistry();
    redis = redisClient();
  });

  it('writes the tree with metadata, parents and children; the next publish prunes a removed device and site; a publish with nothing changed changes nothing', async () => {
    const prefix = freshPrefix(redis);
    const options = { ...settings, keyPrefix: prefix };
    const gw = { tenant: 'hj-acme', site: 'plant1', device: 'gw' };
    await addDevice(registry, gw, { tags: { model: 'EM24', fw: '1.2' }, location: { latitude: 52.37, longitude: 4.89 } });
    await addDevice(registry, { tenant: 'hj-acme', site: 'plant1', device: 'node' }, { parent: gw, location: { description: 'cellar' } });
    await addDevice(registry, { tenant: 'hj-acme', site: 'plant1', device: 'spare' });
    await addDevice(registry, { tenant: 'hj-acme', site: 'plant2', device: 'remote' }, { parent: gw });
    await addDevice(registry, { tenant: 'hj-acme', site: 'closing', device: 'm1' });
    await addDevice(registry, { tenant: 'hj-globex', site: 'hq', device: 'meter' });

    const first = await publishHierarchy(registry, redis, options);
    expect(first).toMatchObject({ tenants: 2, sites: 4, devices: 6, previousGeneration: null, pruned: { tenants: 0, sites: 0, devices: 0 } });
    const current = currentHierarchyFromHash(await redis.hgetall(hierarchyCurrentKey(prefix)));
    expect(current).toEqual({ generation: first.generation, revision: first.revision, publishedAt: first.publishedAt.getTime(), tenants: 2, sites: 4, devices: 6 });
    const { nodes } = await readTree(redis, prefix);
    expect(Object.keys(nodes).sort()).toEqual([
      '/', '/hj-acme', '/hj-acme/closing', '/hj-acme/closing/m1', '/hj-acme/plant1', '/hj-acme/plant1/gw', '/hj-acme/plant1/node', '/hj-acme/plant1/spare',
      '/hj-acme/plant2', '/hj-acme/plant2/remote', '/hj-globex', '/hj-globex/hq', '/hj-globex/hq/meter',
    ]);
    expect(nodes['/']).toEqual({ type: 'root', children: ['/hj-acme', '/hj-globex'] });
    expect(nodes['/hj-acme']).toEqual({ type: 'tenant', tenant: 'hj-acme', children: ['/hj-acme/closing', '/hj-acme/plant1', '/hj-acme/plant2'] });
    expect(nodes['/hj-acme/plant1']).toEqual({ type: 'site', tenant: 'hj-acme', site: 'plant1', children: ['/hj-acme/plant1/gw', '/hj-acme/plant1/node', '/hj-acme/plant1/spare'] });
    expect(nodes['/hj-acme/plant1/gw']).toMatchObject({
      type: 'device', name: 'hj-acme/plant1/gw', tags: { model: 'EM24', fw: '1.2' }, location: { latitude: 52.37, longitude: 4.89 }, state: 'active',
      parent: null, children: ['/hj-acme/plant1/node', '/hj-acme/plant2/remote'],
    });
    expect(nodes['/hj-acme/plant1/node']).toMatchObject({ parent: '/hj-acme/plant1/gw', location: { description: 'cellar' }, children: [] });
    expect(nodes['/hj-acme/plant2/remote']).toMatchObject({ parent: '/hj-acme/plant1/gw' });

    // a device and a site (with its device) leave the registry; the registry has no site removal yet, so SQL does it
    await removeDevice(registry, { tenant: 'hj-acme', site: 'plant1', device: 'spare' });
    await registry.pool.query(`delete from ${registry.tables.sites} where tenant = $1 and name = $2`, ['hj-acme', 'closing']);
    const second = await publishHierarchy(registry, redis, options);
    expect(second).toMatchObject({ tenants: 2, sites: 3, devices: 4, previousGeneration: first.generation, pruned: { tenants: 0, sites: 1, devices: 2 } });
    expect(second.revision).toBeGreaterThan(first.revision);
    const pruned = await readTree(redis, prefix);
    expect(pruned.generation).toBe(second.generation);
    for (const path of ['/hj-acme/plant1/spare', '/hj-acme/closing', '/hj-acme/closing/m1']) expect(pruned.nodes[path]).toBeUndefined();
    expect(pruned.nodes['/hj-acme']).toMatchObject({ children: ['/hj-acme/plant1', '/hj-acme/plant2'] });
    expect(pruned.nodes['/hj-acme/plant1']).toMatchObject({ children: ['/hj-acme/plant1/gw', '/hj-acme/plant1/node'] });
    // the replaced generation stays readable for a reader that started on it, then expires; the current one never does
    const retiredTtl = await redis.pttl(hierarchyNodesKey(prefix, first.generation));
    expect(retiredTtl).toBeGreaterThan(0);
    expect(retiredTtl).toBeLessThanOrEqual(settings.retiredTtl);
    expect(await redis.pttl(hierarchyNodesKey(prefix, second.generation))).toBe(-1);

    const third = await publishHierarchy(registry, redis, options);
    expect(third).toMatchObject({ revision: second.revision, tenants: 2, sites: 3, devices: 4, previousGeneration: second.generation, pruned: { tenants: 0, sites: 0, devices: 0 } });
    expect((await readTree(redis, prefix)).nodes).toEqual(pruned.nodes);
    expect(await redis.exists(hierarchyLockKey(prefix))).toBe(0);
  });

  it('lets a reader see the old generation or the new one whole, never a tree half written, while a publish writes and switches', async () => {
    const big = await freshRegistry();
    await insertDevices(big, 'hj-big', 6, 500);
    const prefix = freshPrefix(redis);
    // small HSETs: the write takes many commands, which Redis interleaves with the reader's
    const options = { ...settings, keyPrefix: prefix, nodesPerCommand: 10 };
    const old = await publishHierarchy(big, redis, options);
    const oldTree = await readTree(redis, prefix);
    // the next registry state: a site gone, a new one, every device of another site retagged
    await big.pool.query(`delete from ${big.tables.sites} where tenant = 'hj-big' and name = 's1'`);
    await big.pool.query(`insert into ${big.tables.sites} (tenant, name, revision) values ('hj-big', 's9', 2)`);
    await big.pool.query(`insert into ${big.tables.devices} (tenant, site, name, revision) select 'hj-big', 's9', 'n' || i, 2 from generate_series(1, 300) i`);
    await big.pool.query(`update ${big.tables.devices} set tags = '{"model": "EM99"}' where site = 's2'`);

    const reader = redis.duplicate();
    onCleanup(async () => {
      await reader.quit().catch(() => reader.disconnect());
    });
    const seen = { old: 0, new: 0, other: 0, whilePublishing: 0 };
    let publishing = true;
    const reads: Record<string, HierarchyNode>[] = [];
    const readWhilePublishing = async () => {
      while (publishing) {
        const { generation, nodes } = await readTree(reader, prefix);
        // the next generation exists but is not current yet: this read overlapped the write
        if (generation === old.generation && (await reader.exists(hierarchyNodesKey(prefix, old.generation + 1))) === 1) seen.whilePublishing++;
        reads.push(nodes);
      }
    };
    const readers = [readWhilePublishing(), readWhilePublishing()];
    const next = await publishHierarchy(big, redis, options);
    publishing = false;
    await Promise.all(readers);
    const newTree = await readTree(redis, prefix);

    expect(next).toMatchObject({ generation: old.generation + 1, pruned: { tenants: 0, sites: 1, devices: 500 } });
    expect(Object.keys(newTree.nodes)).toHaveLength(1 + 1 + 6 + 6 * 500 - 500 + 300);
    for (const nodes of reads) {
      if (JSON.stringify(nodes) === JSON.stringify(oldTree.nodes)) seen.old++;
      else if (JSON.stringify(nodes) === JSON.stringify(newTree.nodes)) seen.new++;
      else seen.other++;
    }
    expect(seen.other).toBe(0);
    expect(seen.old).toBeGreaterThan(0);
    expect(seen.whilePublishing).toBeGreaterThan(0);
  });

  it('refuses to publish while another publish holds the lock, leaving the current generation as it was', async () => {
    const prefix = freshPrefix(redis);
    const options = { ...settings, keyPrefix: prefix };
    const first = await publishHierarchy(registry, redis, options);
    await redis.set(hierarchyLockKey(prefix), 'another-run', 'PX', 30_000);
    const refused = await publishHierarchy(registry, redis, options).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(FleetstreamError);
    expect(refused).toMatchObject({ code: 'HIERARCHY_PUBLISH_CONFLICT', message: expect.stringMatching(/another hierarchy publish holds .*hierarchy:lock for \d+ s more/) });
    expect((await readTree(redis, prefix)).generation).toBe(first.generation);
    expect(await redis.get(hierarchyLockKey(prefix))).toBe('another-run');
    await redis.del(hierarchyLockKey(prefix));
    expect((await publishHierarchy(registry, redis, options)).previousGeneration).toBe(first.generation);
  });

  it('stopped before its switch, leaves the current generation, no generation of its own and no lock', async () => {
    const prefix = freshPrefix(redis);
    const options = { ...settings, keyPrefix: prefix };
    const first = await publishHierarchy(registry, redis, options);
    const stop = new AbortController();
    stop.abort(new Error('stopped'));
    await expect(publishHierarchy(registry, redis, options, stop.signal)).rejects.toThrow('stopped');
    expect((await readTree(redis, prefix)).generation).toBe(first.generation);
    expect(await redis.keys(`${prefix}hierarchy:nodes:*`)).toEqual([hierarchyNodesKey(prefix, first.generation)]);
    expect(await redis.exists(hierarchyLockKey(prefix))).toBe(0);
  });
});
