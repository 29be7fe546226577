import { freshRegistry } from '../registry/registry.fixture';
import type { Registry } from '../registry/registry-connection';
import { readHandlerSecret } from '../schemas/handler-secrets';
import { webhookSecretKey } from '../schemas/webhooks';
import { spawnComponent } from '../test/cli-process';

describe('fleetstream handler-secrets', () => {
  let registry: Registry;
  beforeAll(async () => {
    registry = await freshRegistry();
  });

  async function run(...args: string[]): Promise<{ code: number | string; output: string }> {
    const process = spawnComponent('handler-secrets', { REGISTRY_DATABASE_SCHEMA: registry.schema }, args);
    const code = await process.exited;
    return { code, output: process.output() };
  }

  it('set --generate stores a new secret and prints it once; list shows names only; delete removes it', async () => {
    const created = await run('set', 'acme', 'hooks', '--generate');
    const [line, secret] = created.output.trim().split('\n');
    expect([created.code, line]).toEqual([0, 'handler-secrets: created acme/hooks']);
    expect(webhookSecretKey(secret!)).toBeDefined();
    expect(await readHandlerSecret(registry.pool, registry.schema, 'acme', 'hooks')).toBe(secret);

    expect((await run('set', 'acme', 'hooks', '--generate')).output).toMatch(/^handler-secrets: replaced acme\/hooks\n/);
    const listed = await run('list', 'acme');
    expect(listed.output).toMatch(/^NAME +UPDATED AT\nhooks +\d{4}-/);
    expect(listed.output).not.toContain('whsec_');

    expect(await run('delete', 'acme', 'hooks')).toEqual({ code: 0, output: 'handler-secrets: deleted acme/hooks\n' });
    expect(await run('delete', 'acme', 'hooks')).toEqual({ code: 1, output: 'handler-secrets: there was no acme/hooks\n' });
  });
});
