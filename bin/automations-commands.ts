/**
 * `fleetstream automations apply <files...>`: makes the automations stored
 * in PostgreSQL those of the documents (kept in git) and prints what changed;
 * `list`, `show` and `runs` read them back. DATABASE_URL and
 * REGISTRY_DATABASE_SCHEMA from the environment.
 */
import type { Command } from 'commander';
import type { Pool } from 'pg';
import { textTable } from './text-table';
import { withRegistryPool } from './with-registry-pool';

const withRegistry = <T>(work: (pool: Pool, schema: string) => Promise<T>) => withRegistryPool('fleetstream-automations-cli', work);

const commands = () => import('../stream-processors/automations/automation-commands');

async function apply(paths: string[]): Promise<void> {
  const { applyAutomationDocuments, readAutomationFiles, describeAutomationChange } = await commands();
  const documents = await readAutomationFiles(paths);
  const changes = await withRegistry((pool, schema) => applyAutomationDocuments(pool, schema, documents));
  for (const change of changes) console.log(`automations: ${describeAutomationChange(change)}`);
  if (changes.every((c) => c.change === 'unchanged')) console.log('automations: nothing to change');
}

async function list(options: { tenant?: string }): Promise<void> {
  const { listAutomations } = await commands();
  const rows = await withRegistry((pool, schema) => listAutomations(pool, schema, options.tenant));
  const trigger = (d: Record<string, unknown>) => {
    const t = d.trigger as { on?: string; cron?: string; timezone?: string; every?: unknown } | undefined;
    if (t?.on !== 'schedule') return String(t?.on);
    return t.cron !== undefined ? `cron ${t.cron} ${t.timezone}` : `every ${String(t.every)}`;
  };
  process.stdout.write(textTable(['TENANT', 'ID', 'TRIGGER', 'ENABLED', 'REVISION', 'SOURCE'], rows.map((r) => [r.tenant, r.id, trigger(r.definition), String(r.definition.enabled !== false), String(r.revision), r.source ?? ''])));
}

async function show(name: string): Promise<void> {
  const { findAutomation } = await commands();
  console.log(JSON.stringify(await withRegistry((pool, schema) => findAutomation(pool, schema, name)), null, 2));
}

async function runs(name: string, options: { limit: string }): Promise<void> {
  const { findAutomation, listRuns } = await commands();
  const rows = await withRegistry(async (pool, schema) => {
    const automation = await findAutomation(pool, schema, name);
    return listRuns(pool, schema, automation.tenant, automation.id, Number(options.limit));
  });
  process.stdout.write(textTable(['FIRED AT', 'TRIGGER', 'REVISION', 'MISSED', 'DISPATCHED', 'EXECUTION IDS'], rows.map((r) => [r.firedAt, r.trigger, String(r.revision), String(r.missedSlots), r.dispatchedAt ?? 'no', r.executionIds.join(',')])));
}

/** Adds `apply`, `list`, `show` and `runs` to the `automations` command (which, without a subcommand, runs the processor). */
export function addAutomationCommands(automations: Command): void {
  automations
    .command('apply')
    .argument('<paths...>', 'automation documents (.yaml, .yml, .json) or directories of them, one tenant per document')
    .description("make the stored automations of the documents' tenants those of the documents (other tenants' are kept); prints what it created, updated, left unchanged and removed (DATABASE_URL, REGISTRY_DATABASE_SCHEMA)")
    .action(apply);
  automations.command('list').option('--tenant <tenant>', "one tenant's").description('the stored automations').action(list);
  automations.command('show').argument('<id>', '<tenant>/<id>, or an id only one tenant has').description('one stored automation, as JSON').action(show);
  automations
    .command('runs')
    .argument('<id>', '<tenant>/<id>, or an id only one tenant has')
    .option('--limit <n>', 'how many, newest first', '100')
    .description("an automation's fires, newest first, with their handler requests' execution ids")
    .action(runs);
}
