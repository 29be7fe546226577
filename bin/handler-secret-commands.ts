/**
 * `fleetstream handler-secrets set|list|delete`: the secrets handler targets
 * name (`secretRef`) rather than hold, so that they stay out of the
 * documents kept in git and out of Kafka (schemas/handler-secrets.ts).
 * DATABASE_URL and REGISTRY_DATABASE_SCHEMA from the environment.
 */
import type { Command } from 'commander';
import { deleteHandlerSecret, listHandlerSecrets, putHandlerSecret } from '../schemas/handler-secrets';
import { newWebhookSecret, webhookSecretKey } from '../schemas/webhooks';
import { textTable } from './text-table';
import { withRegistryPool } from './with-registry-pool';

const withRegistry = <T>(work: (pool: import('pg').Pool, schema: string) => Promise<T>) => withRegistryPool('fleetstream-handler-secrets-cli', work);

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').trim();
}

async function set(tenant: string, name: string, options: { generate?: boolean }): Promise<void> {
  const value = options.generate ? newWebhookSecret() : await readStdin();
  if (!webhookSecretKey(value)) throw new Error('the secret read from standard input is not a Standard Webhooks secret (whsec_ and the base64 of 24 to 64 bytes); --generate makes one');
  const replaced = await withRegistry((pool, schema) => putHandlerSecret(pool, schema, tenant, name, value));
  console.log(`handler-secrets: ${replaced ? 'replaced' : 'created'} ${tenant}/${name}`);
  // shown once, for the receiver to verify signatures with
  if (options.generate) console.log(value);
}

async function list(tenant: string): Promise<void> {
  const rows = await withRegistry((pool, schema) => listHandlerSecrets(pool, schema, tenant));
  process.stdout.write(textTable(['NAME', 'UPDATED AT'], rows.map((r) => [r.name, r.updatedAt])));
}

async function remove(tenant: string, name: string): Promise<void> {
  const deleted = await withRegistry((pool, schema) => deleteHandlerSecret(pool, schema, tenant, name));
  console.log(`handler-secrets: ${deleted ? 'deleted' : 'there was no'} ${tenant}/${name}`);
  if (!deleted) process.exitCode = 1;
}

export function addHandlerSecretCommands(program: Command): void {
  const secrets = program.command('handler-secrets').description('secrets that handler targets name (secretRef) instead of holding: kept out of git and of Kafka');
  secrets
    .command('set')
    .argument('<tenant>')
    .argument('<name>')
    .option('--generate', 'make a new Standard Webhooks secret (whsec_...) and print it once, instead of reading one from standard input')
    .description('store a secret (read from standard input, or generated), replacing one of the same name')
    .action(set);
  secrets.command('list').argument('<tenant>').description("a tenant's secrets: names and when they were set, never the values").action(list);
  secrets.command('delete').argument('<tenant>').argument('<name>').description('delete a secret; a target naming it fails its executions until it is set again').action(remove);
}
