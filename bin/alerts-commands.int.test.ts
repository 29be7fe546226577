import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freshRegistry } from '../registry/registry.fixture';
import type { Registry } from '../registry/registry-connection';
import { loadRules } from '../stream-processors/alerts/rule-store';
import { spawnComponent } from '../test/cli-process';
import { onCleanup } from '../test/factories';

const rule = (id: string, when: string) => `  - { id: ${id}, series: ['/acme/**'], severities: [{ severity: warning, when: '${when}', for: 1m }] }\n`;

describe('fleetstream alerts apply', () => {
  let registry: Registry;
  let dir: string;
  beforeAll(async () => {
    registry = await freshRegistry();
    dir = mkdtempSync(join(tmpdir(), 'alert-rules-'));
    onCleanup(async () => rmSync(dir, { recursive: true, force: true }));
  });

  async function apply(): Promise<{ code: number | string; output: string }> {
    const process = spawnComponent('alerts', { REGISTRY_DATABASE_SCHEMA: registry.schema }, ['apply', dir]);
    const code = await process.exited;
    return { code, output: process.output() };
  }

  it('stores the rules of a directory, prints what it created, updated and deleted, and nothing the second time', async () => {
    writeFileSync(join(dir, 'acme.yaml'), `tenant: acme\nrules:\n${rule('hot', '> 80')}${rule('cold', '< 5')}`);
    writeFileSync(join(dir, 'beta.json'), JSON.stringify({ tenant: 'beta', rules: [{ id: 'flat', series: ['/beta/**'], severities: [{ severity: 'info', when: '== 0' }] }] }));
    writeFileSync(join(dir, 'notes.txt'), 'not a rule document');
    expect(await apply()).toEqual({ code: 0, output: 'alerts: created acme/cold (acme.yaml)\nalerts: created acme/hot (acme.yaml)\nalerts: created beta/flat (beta.json)\n' });
    expect(await apply()).toEqual({ code: 0, output: 'alerts: nothing to change\n' });

    writeFileSync(join(dir, 'acme.yaml'), `tenant: acme\nrules:\n${rule('hot', '> 85')}${rule('wet', '> 90')}`);
    expect(await apply()).toEqual({ code: 0, output: 'alerts: deleted acme/cold\nalerts: updated acme/hot (acme.yaml)\nalerts: created acme/wet (acme.yaml)\n' });
    const stored = await loadRules(registry.pool, registry.schema);
    expect(stored.rules.map((r) => [`${r.tenant}/${r.id}`, r.severities[0]!.when])).toEqual([
      ['acme/hot', { op: '>', value: 85 }],
      ['acme/wet', { op: '>', value: 90 }],
      ['beta/flat', { op: '==', value: 0 }],
    ]);
    const revisions = await registry.pool.query<{ id: string; revision: string }>(`select id, revision from "${registry.schema}".alert_rules where tenant = 'acme' order by id`);
    expect(revisions.rows).toEqual([{ id: 'hot', revision: '2' }, { id: 'wet', revision: '1' }]);
  }, 60_000);

  it('applies nothing and exits 1 naming every problem when one document is invalid', async () => {
    writeFileSync(join(dir, 'acme.yaml'), `tenant: acme\nrules:\n${rule('hot', '> 99')}`);
    writeFileSync(join(dir, 'beta.json'), JSON.stringify({ tenant: 'beta', rules: [{ id: 'flat', series: ['/beta/**'], severities: [{ severity: 'info', when: 'zero' }] }] }));
    const refused = await apply();
    expect(refused.code).toBe(1);
    expect(refused.output).toContain('beta.json: rules.0.severities.0.when: "zero" is no threshold');
    expect(refused.output).toContain('[CONFIG_INVALID]');
    const stored = await loadRules(registry.pool, registry.schema);
    expect(stored.rules.find((r) => r.id === 'hot')!.severities[0]!.when.value).toBe(85);
  }, 60_000);
});
