/**
 * The sync between the registry and the broker: a device added in the registry
 * gets in, a revoked one is disconnected within 10 s, a rotated one is
 * disconnected and gets in with its new password only. Against PostgreSQL and
 * a broker with the plugin, both of this file's own.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { addDevice, revokeDevice, rotateCredentials } from '../../registry';
import { freshRegistry } from '../../registry/registry.fixture';
import { eventually, onCleanup, testSettings } from '../../test/factories';
import { writeAuthFile } from '../auth-file-io';
import { connectClient, startTestBroker } from '../broker.fixture';
import { start } from '.';

const refused = /not authorized|Bad User Name or Password/i;
const closedAt = (client: MqttClient) => new Promise<number>((resolve) => client.once('close', () => resolve(Date.now())));

describe('broker-auth-sync', () => {
  it('admits a device added in the registry, disconnects it within 10 s of its revocation, and follows a rotation', async () => {
    const [registry, broker] = await Promise.all([freshRegistry(), startTestBroker()]);
    const dir = await mkdtemp(join(tmpdir(), 'auth-sync-'));
    onCleanup(() => rm(dir, { recursive: true, force: true }));
    const serviceAccountsFile = join(dir, 'service-accounts');
    await writeAuthFile(serviceAccountsFile, [broker.connectorEntry]);
    const sync = await start({ databaseUrl: testSettings().databaseUrl, databaseSchema: registry.schema, authFile: broker.authFile, serviceAccountsFile, settle: '100ms' });
    onCleanup(() => sync.stop());
    expect(sync.ready()).toBe(true);

    const at = (device: string) => ({ tenant: 'acme', site: 'plant-1', device });
    const first = (await addDevice(registry, at('first'))).credentials;
    const second = (await addDevice(registry, at('second'))).credentials;
    const connected = await eventually(() => connectClient(broker.url, first).catch(() => undefined), 'the added device admitted', 10_000);
    await expect(connectClient(broker.url, broker.connector)).resolves.toBeDefined();

    const closed = closedAt(connected);
    const revokedAt = Date.now();
    await revokeDevice(registry, at('first'));
    expect((await closed) - revokedAt).toBeLessThan(10_000);
    await expect(connectClient(broker.url, first)).rejects.toThrow(refused);

    const session = await connectClient(broker.url, second);
    const kicked = closedAt(session);
    const rotated = await rotateCredentials(registry, at('second'));
    await kicked;
    await expect(connectClient(broker.url, rotated)).resolves.toBeDefined();
    await expect(connectClient(broker.url, second)).rejects.toThrow(refused);
  });
});
