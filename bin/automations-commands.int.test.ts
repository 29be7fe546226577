import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freshRegistry } from '../registry/registry.fixture';
import type { Registry } from '../registry/registry-connection';
import { loadAutomations } from '../stream-processors/automations/automation-store';
import { spawnComponent } from '../test/cli-process';
import { onCleanup } from '../test/factories';

const every = (id: string, period: string) => `  - { id: ${id}, trigger: { on: schedule, every: ${period} }, actions: [{ handler: mqtt_publish, target: { topic: fleet/acme/${id} } }] }\n`;

describe('fleetstream automations', () => {
  let registry: Registry;
  let dir: string;
  beforeAll(async () => {
    registry = await freshRegistry();
    dir = mkdtempSync(join(tmpdir(), 'automations-'));
    onCleanup(async () => rmSync(dir, { recursive: true, force: true }));
  });

  async function run(...args: string[]): Promise<{ code: number | string; output: string }> {
    const process = spawnComponent('automations', { REGISTRY_DATABASE_SCHEMA: registry.schema }, args);
    const code = await process.exited;
    return { code, output: process.output() };
  }

  it('apply prints what it created, updated, left unchanged and removed; list, show and runs read them back', async () => {
    writeFileSync(join(dir, 'acme.yaml'), `tenant: acme\nautomations:\n${every('hourly', '1h')}${every('daily', '1d')}`);
    const beta = join(dir, 'beta.json');
    writeFileSync(beta, JSON.stringify({ tenant: 'beta', automations: [{ id: 'gone', trigger: { on: 'presence', status: ['offline'] }, actions: [{ handler: 'mqtt_publish', target: { topic: 'fleet/beta/x' } }] }] }));
    expect(await run('apply', dir)).toEqual({ code: 0, output: 'automations: created acme/daily (acme.yaml)\nautomations: created acme/hourly (acme.yaml)\nautomations: created beta/gone (beta.json)\n' });
    expect(await run('apply', dir)).toEqual({ code: 0, output: 'automations: unchanged acme/daily (acme.yaml)\nautomations: unchanged acme/hourly (acme.yaml)\nautomations: unchanged beta/gone (beta.json)\nautomations: nothing to change\n' });

    writeFileSync(join(dir, 'acme.yaml'), `tenant: acme\nautomations:\n${every('hourly', '2h')}${every('weekly', '7d')}`);
    // a file given by name: only its tenant is applied
    expect(await run('apply', join(dir, 'acme.yaml'))).toEqual({
      code: 0,
      output: 'automations: removed acme/daily\nautomations: updated acme/hourly (acme.yaml)\nautomations: created acme/weekly (acme.yaml)\n',
    });
    const stored = await loadAutomations(registry.pool, registry.schema);
    expect(stored.automations.map((a) => [`${a.tenant}/${a.id}`, a.revision])).toEqual([['acme/hourly', 2], ['acme/weekly', 1], ['beta/gone', 1]]);

    const list = await run('list', '--tenant', 'acme');
    expect(list.output.split('\n')[0]).toMatch(/^TENANT +ID +TRIGGER +ENABLED +REVISION +SOURCE$/);
    expect(list.output).toMatch(/acme +hourly +every 2h +true +2 +acme\.yaml/);
    const shown = await run('show', 'gone');
    expect(JSON.parse(shown.output)).toMatchObject({ tenant: 'beta', id: 'gone', revision: 1, source: 'beta.json' });
    const runs = await run('runs', 'acme/hourly');
    expect(runs).toEqual({ code: 0, output: 'FIRED AT  TRIGGER  REVISION  MISSED  DISPATCHED  EXECUTION IDS\n' });
    const missing = await run('runs', 'nothing');
    expect(missing.code).toBe(1);
    expect(missing.output).toContain('[AUTOMATION_NOT_FOUND]');
  }, 90_000);

  it('applies nothing and exits 1 naming every problem when one document is invalid', async () => {
    writeFileSync(join(dir, 'acme.yaml'), `tenant: acme\nautomations:\n${every('hourly', '3h')}`);
    writeFileSync(join(dir, 'beta.json'), JSON.stringify({ tenant: 'beta', automations: [{ id: 'bad', trigger: { on: 'schedule', cron: '0 7 * * *', timezone: 'Nowhere/City' }, actions: [{ handler: 'mqtt_publish', target: { topic: 'fleet/beta/x' } }] }] }));
    const refused = await run('apply', dir);
    expect(refused.code).toBe(1);
    expect(refused.output).toContain('beta.json: automations.0.trigger.timezone: "Nowhere/City" is no IANA time zone');
    expect(refused.output).toContain('[CONFIG_INVALID]');
    const stored = await loadAutomations(registry.pool, registry.schema);
    expect(stored.automations.find((a) => a.id === 'hourly')!.revision).toBe(2);
  }, 60_000);
});
