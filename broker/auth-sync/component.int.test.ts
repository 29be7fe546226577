/**
 * `fleetstream broker-auth-sync` as the component table runs it (the CLI, its
 * BROKER_AUTH_SYNC_* variables, its ops endpoints, SIGTERM): a device added in
 * the registry is written into the auth file after the service accounts, and a
 * file something else replaced (as `make up` does when the file is missing) is
 * put right at the next resync. Against PostgreSQL, with an auth file of the
 * test's own.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addDevice } from '../../registry';
import { brokerPasswordHash } from '../../registry/broker-password-hash';
import { freshRegistry } from '../../registry/registry.fixture';
import { spawnComponent } from '../../test/cli-process';
import { eventually, onCleanup, uniqueName } from '../../test/factories';
import type { AuthFileEntry } from '../auth-file';
import { readAuthFile, writeAuthFile } from '../auth-file-io';
import { hashMatches } from '../broker.fixture';

const usernames = (entries: AuthFileEntry[]) => entries.map((e) => e.username);

describe('fleetstream broker-auth-sync', () => {
  it('writes a device added in the registry after the service accounts, puts back a file replaced behind its back, and stops on SIGTERM', async () => {
    const registry = await freshRegistry();
    const dir = await mkdtemp(join(tmpdir(), 'broker-auth-sync-'));
    onCleanup(() => rm(dir, { recursive: true, force: true }));
    const authFile = join(dir, 'auth');
    const serviceAccountsFile = join(dir, 'service-accounts');
    const service: AuthFileEntry = { username: 'fleetstream-mqtt-source', passwordHash: brokerPasswordHash(uniqueName('pw')) };
    await writeAuthFile(serviceAccountsFile, [service]);

    const sync = spawnComponent('broker-auth-sync', {
      REGISTRY_DATABASE_SCHEMA: registry.schema,
      BROKER_AUTH_SYNC_AUTH_FILE: authFile,
      BROKER_AUTH_SYNC_SERVICE_ACCOUNTS_FILE: serviceAccountsFile,
      BROKER_AUTH_SYNC_SETTLE: '100ms',
      BROKER_AUTH_SYNC_RESYNC_INTERVAL: '1s',
    });
    const opsPort = await eventually(() => /"event":"component_started"[^\n]*"opsPort":(\d+)/.exec(sync.output())?.[1], `the component started (its output: ${sync.output()})`, 30_000);
    const ops = (path: string) => fetch(`http://127.0.0.1:${opsPort}${path}`);
    expect((await ops('/readyz')).status).toBe(200);
    expect(await readAuthFile(authFile)).toEqual([service]);

    const tenant = uniqueName('tenant');
    const { credentials } = await addDevice(registry, { tenant, site: 'plant-1', device: 'meter' });
    const written = await eventually(async () => {
      const entries = await readAuthFile(authFile);
      return entries.length === 2 ? entries : undefined;
    }, 'the device in the auth file', 10_000);
    expect(usernames(written)).toEqual([service.username, `${tenant}/plant-1/meter`]);
    expect(hashMatches(written[1]!.passwordHash, credentials.password)).toBe(true);

    await writeAuthFile(authFile, [service]);
    await eventually(async () => ((await readAuthFile(authFile)).length === 2 ? true : undefined), 'the device written back at the resync', 10_000);
    expect(await readAuthFile(authFile)).toEqual(written);
    const metrics = await (await ops('/metrics')).text();
    expect(Number(/^fleetstream_broker_auth_sync_writes_total(?:\{[^}]*\})? (\d+)/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(3);

    expect(await sync.kill('SIGTERM')).toBe(0);
  });
});
