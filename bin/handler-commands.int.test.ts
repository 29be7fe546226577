import { freshRegistry } from '../registry/registry.fixture';
import type { Registry } from '../registry/registry-connection';
import { insertExecutions } from '../stream-processors/handlers/execution-rows.fixture';
import { spawnComponent } from '../test/cli-process';

describe('fleetstream handlers executions|execution', () => {
  let registry: Registry;
  beforeAll(async () => {
    registry = await freshRegistry();
    await insertExecutions(registry);
  });

  async function run(...args: string[]): Promise<{ code: number | string; output: string }> {
    const process = spawnComponent('handlers', { REGISTRY_DATABASE_SCHEMA: registry.schema }, args);
    const code = await process.exited;
    return { code, output: process.output() };
  }

  it('lists executions newest first, filtered by tenant, origin and state', async () => {
    const all = await run('executions');
    expect(all.code).toBe(0);
    const lines = all.output.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^REQUESTED AT +EXECUTION ID +TENANT +HANDLER +ORIGIN +STATE +ATTEMPTS +DETAIL$/);
    expect(lines.slice(1).map((l) => l.split(/ {2,}/).slice(0, 7))).toEqual([
      ['2026-12-03T10:10:00.000Z', 'e-3', 'beta', 'webhook', 'automation/nightly', 'FAILED', '8'],
      ['2026-12-03T10:05:00.000Z', 'e-2', 'acme', 'webhook', 'notification/oncall', 'RETRYING', '3'],
      ['2026-12-03T10:00:00.000Z', 'e-1', 'acme', 'mqtt_publish', 'automation/nightly', 'SUCCEEDED', '1'],
    ]);
    expect(lines[1]).toContain('HTTP 410 from https://hooks.example.com');

    const ids = async (...args: string[]) => (await run('executions', ...args)).output.trimEnd().split('\n').slice(1).map((l) => l.split(/ {2,}/)[1]);
    expect(await ids('--tenant', 'acme')).toEqual(['e-2', 'e-1']);
    expect(await ids('--origin', 'automation/nightly')).toEqual(['e-3', 'e-1']);
    expect(await ids('--tenant', 'acme', '--state', 'retrying')).toEqual(['e-2']);
    expect(await ids('--limit', '1')).toEqual(['e-3']);
  }, 60_000);

  it('shows one execution as JSON with its credentials redacted, and names a missing one', async () => {
    const shown = await run('execution', 'e-2');
    expect(shown.code).toBe(0);
    expect(JSON.parse(shown.output)).toMatchObject({
      executionId: 'e-2',
      state: 'RETRYING',
      attempts: 3,
      detail: 'HTTP 503 from https://hooks.example.com',
      target: { url: 'https://hooks.example.com/a', secret: '***', headers: { Authorization: '***', 'X-Team': 'ops' } },
    });
    expect(shown.output).not.toContain('whsec_');
    expect(JSON.parse((await run('execution', 'e-3')).output).target).toEqual({ url: 'https://hooks.example.com/b', secretRef: 'beta-hook' });

    const missing = await run('execution', 'nothing');
    expect(missing.code).toBe(1);
    expect(missing.output).toContain('[EXECUTION_NOT_FOUND]');
  }, 60_000);

  it('refuses a state or an origin it does not know, saying what it takes', async () => {
    const state = await run('executions', '--state', 'done');
    expect(state.code).not.toBe(0);
    expect(state.output).toContain('RUNNING, RETRYING, SUCCEEDED, FAILED, EXPIRED');
    const origin = await run('executions', '--origin', 'nightly');
    expect(origin.code).not.toBe(0);
    expect(origin.output).toContain('automation/<id>, notification/<id>, api/<id>');
  }, 60_000);
});
