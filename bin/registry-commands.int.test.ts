import { freshRegistry } from '../registry/registry.fixture';
import { verifyDeviceCredentials } from '../registry/credentials';
import { verifyToken } from '../registry/api-tokens';
import { brokerPasswordMatches } from '../registry/broker-password-hash';
import { listRepublishReaderCredentials } from '../registry/republish-readers';
import type { Registry } from '../registry/registry-connection';
import { spawnComponent } from '../test/cli-process';

describe('fleetstream devices and tokens', () => {
  let registry: Registry;
  beforeAll(async () => {
    registry = await freshRegistry();
  });

  async function fleetstream(...args: string[]): Promise<{ code: number | string; output: string }> {
    const process = spawnComponent(args[0]!, { REGISTRY_DATABASE_SCHEMA: registry.schema }, args.slice(1));
    const code = await process.exited;
    return { code, output: process.output() };
  }

  it('devices add prints the credentials once, as JSON, and they verify; adding it again exits 1 with DEVICE_EXISTS', async () => {
    const added = await fleetstream('devices', 'add', 'acme/plant1/gw', '--tags', 'model=EM24,fw=1.2', '--location', '52.37,4.89');
    expect(added.code).toBe(0);
    const credentials = JSON.parse(added.output) as { device: string; username: string; password: string };
    expect(credentials).toEqual({ device: 'acme/plant1/gw', username: 'acme/plant1/gw', password: expect.stringMatching(/^[A-Za-z0-9_-]{32}$/) });
    expect(await verifyDeviceCredentials(registry, credentials.username, credentials.password)).toMatchObject({ device: 'gw' });
    const again = await fleetstream('devices', 'add', 'acme/plant1/gw');
    expect(again.code).toBe(1);
    expect(again.output).toContain('[DEVICE_EXISTS]');
  }, 60_000);

  it('devices add with a parent, list (table and JSON, by tenant or site) and show', async () => {
    const [child, other] = await Promise.all([
      fleetstream('devices', 'add', 'acme/plant1/node', '--parent', 'acme/plant1/gw', '--location', 'cellar'),
      fleetstream('devices', 'add', 'acme/plant2/solo'),
    ]);
    expect([child.code, other.code]).toEqual([0, 0]);
    const [table, json, site, show] = await Promise.all([
      fleetstream('devices', 'list', 'acme'),
      fleetstream('devices', 'list', '--json'),
      fleetstream('devices', 'list', 'acme/plant2', '--json'),
      fleetstream('devices', 'show', 'acme/plant1/gw', '--json'),
    ]);
    expect(table.code).toBe(0);
    expect(table.output.split('\n')[0]).toMatch(/^DEVICE\s+STATE\s+PARENT\s+TAGS\s+LOCATION\s+CREATED$/);
    expect(table.output).toMatch(/acme\/plant1\/node\s+active\s+acme\/plant1\/gw\s+cellar/);
    expect((JSON.parse(json.output) as { name: string }[]).map((d) => d.name)).toEqual(['acme/plant1/gw', 'acme/plant1/node', 'acme/plant2/solo']);
    expect((JSON.parse(site.output) as { name: string }[]).map((d) => d.name)).toEqual(['acme/plant2/solo']);
    expect(JSON.parse(show.output)).toMatchObject({ name: 'acme/plant1/gw', state: 'active', tags: { model: 'EM24', fw: '1.2' }, location: { latitude: 52.37, longitude: 4.89 }, children: [{ tenant: 'acme', site: 'plant1', device: 'node' }] });
  }, 60_000);

  it('devices rotate prints new credentials (the old password stops working), revoke refuses the device, remove deletes it', async () => {
    const { output } = await fleetstream('devices', 'add', 'acme/plant1/cycle');
    const first = JSON.parse(output) as { username: string; password: string };
    const rotated = await fleetstream('devices', 'rotate', 'acme/plant1/cycle');
    expect(rotated.code).toBe(0);
    const second = JSON.parse(rotated.output) as { device: string; username: string; password: string };
    expect(second).toMatchObject({ device: 'acme/plant1/cycle', username: 'acme/plant1/cycle' });
    expect(await verifyDeviceCredentials(registry, first.username, first.password)).toBeUndefined();
    expect(await verifyDeviceCredentials(registry, second.username, second.password)).toBeDefined();
    const revoked = await fleetstream('devices', 'revoke', 'acme/plant1/cycle');
    expect(revoked).toEqual({ code: 0, output: 'devices: revoked acme/plant1/cycle\n' });
    expect(await verifyDeviceCredentials(registry, second.username, second.password)).toBeUndefined();
    expect((await fleetstream('devices', 'rotate', 'acme/plant1/cycle')).output).toContain('[DEVICE_REVOKED]');
    expect(await fleetstream('devices', 'remove', 'acme/plant1/cycle')).toEqual({ code: 0, output: 'devices: removed acme/plant1/cycle\n' });
    const shown = await fleetstream('devices', 'show', 'acme/plant1/cycle');
    expect(shown.code).toBe(1);
    expect(shown.output).toContain('[DEVICE_NOT_FOUND]');
  }, 90_000);

  it('exits 1 naming the problem for a bad name', async () => {
    const [slash, wildcard] = await Promise.all([fleetstream('devices', 'add', 'acme/plant1'), fleetstream('devices', 'remove', 'acme/plant+/x')]);
    expect(slash.code).toBe(1);
    expect(slash.output).toContain('is not a device: write <tenant>/<site>/<device> [NAME_INVALID]');
    expect(wildcard.code).toBe(1);
    expect(wildcard.output).toContain('site "plant+" is not a valid path segment');
  }, 60_000);

  it('tokens create prints the token once; list shows it without the secret; revoke refuses it at once', async () => {
    const [tenant, platform, bad] = await Promise.all([
      fleetstream('tokens', 'create', '--tenant', 'acme', '--role', 'read', '--description', 'dashboards'),
      fleetstream('tokens', 'create', '--platform-admin'),
      fleetstream('tokens', 'create', '--tenant', 'acme', '--role', 'write'),
    ]);
    expect([tenant.code, platform.code, bad.code]).toEqual([0, 0, 1]);
    expect(bad.output).toContain('[REGISTRY_INPUT_INVALID]');
    const created = JSON.parse(tenant.output) as { id: string; token: string; tenant: string; role: string };
    expect(created).toMatchObject({ tenant: 'acme', role: 'read' });
    expect(JSON.parse(platform.output)).toMatchObject({ tenant: null, role: 'admin' });
    expect(await verifyToken(registry, created.token)).toEqual({ id: created.id, tenant: 'acme', role: 'read' });
    const [table, json] = await Promise.all([fleetstream('tokens', 'list'), fleetstream('tokens', 'list', '--tenant', 'acme', '--json')]);
    expect(table.output).toMatch(new RegExp(`${created.id}\\s+acme\\s+read\\s+\\S+\\s+\\S+\\s+dashboards`));
    expect(table.output).not.toContain(created.token.slice(21));
    expect((JSON.parse(json.output) as { id: string }[]).map((t) => t.id)).toEqual([created.id]);
    expect(await fleetstream('tokens', 'revoke', created.id)).toEqual({ code: 0, output: `tokens: revoked ${created.id}\n` });
    expect(await verifyToken(registry, created.token)).toBeUndefined();
    const unknown = await fleetstream('tokens', 'revoke', '0123456789abcdef');
    expect(unknown.code).toBe(1);
    expect(unknown.output).toContain('[TOKEN_NOT_FOUND]');
  }, 90_000);

  it("republish-readers create prints a tenant reader's credentials once, list shows it without them, revoke takes it off the broker's accounts", async () => {
    const created = await fleetstream('republish-readers', 'create', 'globex', '--description', 'line 3 HMI');
    expect(created.code).toBe(0);
    const reader = JSON.parse(created.output) as { username: string; password: string; tenant: string; topicFilter: string };
    expect(reader).toEqual({ username: expect.stringMatching(/^republish-reader\.globex\.[0-9a-f]{12}$/), password: expect.any(String), tenant: 'globex', topicFilter: 'fleet-out/globex/#' });
    const credential = (await listRepublishReaderCredentials(registry)).find((c) => c.username === reader.username)!;
    expect(brokerPasswordMatches(reader.password, credential.brokerPasswordHash)).toBe(true);
    const table = await fleetstream('republish-readers', 'list', '--tenant', 'globex');
    expect(table.output).toMatch(new RegExp(`${reader.username.replace(/\./g, '\\.')}\\s+globex\\s+fleet-out/globex/#`));
    expect(table.output).not.toContain(reader.password);
    expect(await fleetstream('republish-readers', 'revoke', reader.username)).toEqual({ code: 0, output: `republish-readers: revoked ${reader.username}\n` });
    expect((await listRepublishReaderCredentials(registry)).map((c) => c.username)).not.toContain(reader.username);
    const unknown = await fleetstream('republish-readers', 'revoke', 'republish-reader.globex.000000000000');
    expect(unknown.code).toBe(1);
    expect(unknown.output).toContain('[REPUBLISH_READER_NOT_FOUND]');
  }, 90_000);
});
