/**
 * The simulator's own devices: provisioned in the registry once, their
 * passwords kept and reused, re-issued when the registry no longer takes
 * them; and a provisioned fleet publishing through a broker that admits only
 * the registry's devices (a broker with the project's plugin, fed by the
 * auth sync, both of this file's own).
 */
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { start as startAuthSync } from '../broker/auth-sync';
import { writeAuthFile } from '../broker/auth-file-io';
import { connectClient, startTestBroker } from '../broker/broker.fixture';
import { listDevices, rotateCredentials } from '../registry';
import { freshRegistry } from '../registry/registry.fixture';
import { eventually, onCleanup, testSettings, uniqueName } from '../test/factories';
import { provisionDevices } from './device-credentials';
import { runSimulation } from './index';

async function temporaryDirectory(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sim-credentials-'));
  onCleanup(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

describe('the simulated devices’ credentials', () => {
  it('are added once, kept in a 0600 file and reused; a rotated or forgotten password is issued anew', async () => {
    const registry = await freshRegistry();
    const file = join(await temporaryDirectory(), 'nested', 'credentials');
    const addresses = ['a', 'b', 'c'].map((device) => ({ tenant: 'simco', site: 'plant-1', device }));

    const first = await provisionDevices(registry, addresses, file);
    expect(first).toMatchObject({ added: 3, rotated: 0, kept: 0 });
    expect(first.credentials.map((c) => c.username)).toEqual(['simco/plant-1/a', 'simco/plant-1/b', 'simco/plant-1/c']);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await listDevices(registry)).map((d) => d.name)).toEqual(['simco/plant-1/a', 'simco/plant-1/b', 'simco/plant-1/c']);

    const again = await provisionDevices(registry, addresses, file);
    expect(again).toMatchObject({ added: 0, rotated: 0, kept: 3 });
    expect(again.credentials).toEqual(first.credentials);

    await rotateCredentials(registry, addresses[1]!);
    const afterRotation = await provisionDevices(registry, addresses, file);
    expect(afterRotation).toMatchObject({ added: 0, rotated: 1, kept: 2 });
    expect(afterRotation.credentials[1]!.password).not.toBe(first.credentials[1]!.password);
    expect(afterRotation.credentials[0]).toEqual(first.credentials[0]);

    await rm(file);
    const forgotten = await provisionDevices(registry, addresses, file);
    expect(forgotten).toMatchObject({ added: 0, rotated: 3, kept: 0 });
    expect((await readFile(file, 'utf8')).trim().split('\n')).toHaveLength(3);
  });

  it('lets a provisioned fleet publish, each device on its own connection, through a broker that admits only registered devices', async () => {
    const [registry, broker] = await Promise.all([freshRegistry(), startTestBroker()]);
    const dir = await temporaryDirectory();
    const serviceAccountsFile = join(dir, 'service-accounts');
    await writeAuthFile(serviceAccountsFile, [broker.connectorEntry]);
    const sync = await startAuthSync({ databaseUrl: testSettings().databaseUrl, databaseSchema: registry.schema, authFile: broker.authFile, serviceAccountsFile, settle: '100ms' });
    onCleanup(() => sync.stop());

    const tenantPrefix = uniqueName('simauth').toLowerCase();
    const connector = await connectClient(broker.url, broker.connector);
    onCleanup(() => connector.endAsync());
    const topics = new Set<string>();
    connector.on('message', (topic) => topics.add(topic));
    await connector.subscribeAsync('fleet/+/+/+/up', { qos: 1 });

    const stats = await runSimulation({
      mqttUrl: broker.url,
      provision: true,
      credentialsFile: join(dir, 'credentials'),
      registryDatabaseSchema: registry.schema,
      devices: 6,
      tenants: 2,
      sitesPerTenant: 1,
      tenantPrefix,
      rate: 600,
      messages: 60,
    });

    expect(stats).toMatchObject({ acked: 60, failed: 0, complete: true });
    await eventually(() => (topics.size === 6 ? true : undefined), `uplinks of all 6 devices at the connector (have ${topics.size})`);
    expect([...topics].every((topic) => topic.startsWith(`fleet/${tenantPrefix}-0`))).toBe(true);
    expect(await listDevices(registry)).toHaveLength(6);
  });
});
