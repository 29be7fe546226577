/**
 * From the registry to the broker: the auth file made of the registry's
 * credentials lets exactly the active devices in, each with its current
 * password (the registry keeps only hashes; the plugin takes them as they are).
 */
import { addDevice, revokeDevice, rotateCredentials, setDeviceEnabled } from '../registry';
import { freshRegistry } from '../registry/registry.fixture';
import { connectClient, startTestBroker } from './broker.fixture';
import { authFileFromRegistry } from './registry-auth-file';

const refused = /not authorized|Bad User Name or Password/i;

describe('the auth file from the registry', () => {
  it('admits the active devices with their current passwords and the service accounts, and nobody revoked, disabled or rotated away', async () => {
    const [registry, broker] = await Promise.all([freshRegistry(), startTestBroker()]);
    const at = (device: string) => ({ tenant: 'acme', site: 'plant-1', device });
    const kept = (await addDevice(registry, at('kept'))).credentials;
    const rotatedAway = (await addDevice(registry, at('rotated'))).credentials;
    const rotated = await rotateCredentials(registry, at('rotated'));
    const revoked = (await addDevice(registry, at('revoked'))).credentials;
    await revokeDevice(registry, at('revoked'));
    const disabled = (await addDevice(registry, at('disabled'))).credentials;
    await setDeviceEnabled(registry, at('disabled'), false);

    const entries = await authFileFromRegistry(registry, [broker.connectorEntry]);
    expect(entries.map((entry) => entry.username)).toEqual([broker.connector.username, 'acme/plant-1/kept', 'acme/plant-1/rotated']);
    await broker.load(entries);

    await expect(connectClient(broker.url, kept)).resolves.toBeDefined();
    await expect(connectClient(broker.url, rotated)).resolves.toBeDefined();
    await expect(connectClient(broker.url, broker.connector)).resolves.toBeDefined();
    for (const credentials of [rotatedAway, revoked, disabled]) await expect(connectClient(broker.url, credentials)).rejects.toThrow(refused);
  });
});
