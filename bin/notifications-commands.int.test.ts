import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freshRegistry } from '../registry/registry.fixture';
import type { Registry } from '../registry/registry-connection';
import { spawnComponent } from '../test/cli-process';
import { onCleanup } from '../test/factories';

const policy = (groupWait: string) => `tenant: acme
route: { receiver: ops, groupBy: [site], groupWait: ${groupWait} }
receivers:
  - { name: ops, actions: [{ handler: mqtt_publish, target: { topic: fleet/acme/alerts } }] }
`;

describe('fleetstream notifications and silences', () => {
  let registry: Registry;
  let dir: string;
  beforeAll(async () => {
    registry = await freshRegistry();
    dir = mkdtempSync(join(tmpdir(), 'notifications-'));
    onCleanup(async () => rmSync(dir, { recursive: true, force: true }));
  });

  async function run(command: string, ...args: string[]): Promise<{ code: number | string; output: string }> {
    const process = spawnComponent(command, { REGISTRY_DATABASE_SCHEMA: registry.schema }, args);
    const code = await process.exited;
    return { code, output: process.output() };
  }

  it('apply prints what it created, left unchanged and updated; list and show read the policies back', async () => {
    writeFileSync(join(dir, 'acme.yaml'), policy('30s'));
    expect(await run('notifications', 'apply', dir)).toEqual({ code: 0, output: 'notifications: created acme (acme.yaml)\n' });
    expect(await run('notifications', 'apply', dir)).toEqual({ code: 0, output: 'notifications: unchanged acme (acme.yaml)\nnotifications: nothing to change\n' });
    writeFileSync(join(dir, 'acme.yaml'), policy('10s'));
    expect(await run('notifications', 'apply', dir)).toEqual({ code: 0, output: 'notifications: updated acme (acme.yaml)\n' });
    expect((await run('notifications', 'list')).output).toMatch(/^TENANT\s+RECEIVERS\s+REVISION.*\nacme\s+ops\s+2\s+acme.yaml/);
    expect(JSON.parse((await run('notifications', 'show', 'acme')).output)).toMatchObject({ tenant: 'acme', revision: 2, definition: { route: { groupWait: '10s' } } });

    expect((await run('notifications', 'groups')).output).toMatch(/^TENANT\s+GROUP\s+RECEIVER\s+STARTED\s+NEXT FLUSH\s+FLUSHES\n$/);

    writeFileSync(join(dir, 'bad.yaml'), 'tenant: beta\nroute: { receiver: nobody }\nreceivers: [{ name: ops }]\n');
    const refused = await run('notifications', 'apply', dir);
    expect(refused.code).toBe(1);
    expect(refused.output).toContain('bad.yaml: route.receiver: no receiver nobody');
  }, 60_000);

  it('silences add, list and expire', async () => {
    const added = await run('silences', 'add', 'acme', 'site=plant1', 'severity=~"warn.*"', '--for', '2h', '--created-by', 'jo', '--comment', 'boiler service');
    expect(added.code).toBe(0);
    const id = /added ([0-9a-f-]{36})/.exec(added.output)![1]!;
    expect((await run('silences', 'list', '--tenant', 'acme')).output).toContain(`${id}  acme    site=plant1, severity=~"warn.*"`);
    expect((await run('silences', 'expire', id)).output).toMatch(/^silences: expired /);
    expect((await run('silences', 'list')).output).not.toContain(id);
    expect((await run('silences', 'list', '--expired')).output).toContain(id);
    const refused = await run('silences', 'add', 'acme', 'site', '--for', '1h');
    expect([refused.code, refused.output]).toEqual([1, expect.stringContaining('is no matcher')]);
  }, 60_000);
});
