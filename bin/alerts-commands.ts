/**
 * `fleetstream alerts apply <dir>`: makes the alert rules stored in
 * PostgreSQL those of the rule documents in a directory (kept in git), and
 * prints what it changed, as `topics apply` does. DATABASE_URL and
 * REGISTRY_DATABASE_SCHEMA from the environment.
 */
import type { Command } from 'commander';
import { readComponentOptions } from '../lib/config';
import { registryOptionsSchema } from '../registry/options';

async function applyAlertRules(dir: string): Promise<void> {
  const { openRegistry } = await import('../registry');
  const { applyRuleDocuments, readRuleDirectory, describeRuleChange } = await import('../stream-processors/alerts/rule-commands');
  const options = readComponentOptions(registryOptionsSchema, { name: 'registry', envPrefix: 'REGISTRY_' }).options;
  const documents = await readRuleDirectory(dir);
  const registry = openRegistry({ ...options, poolSize: 1, applicationName: 'fleetstream-alerts-apply' });
  try {
    const changes = await applyRuleDocuments(registry.pool, registry.schema, documents);
    if (changes.length === 0) console.log('alerts: nothing to change');
    for (const change of changes) console.log(`alerts: ${describeRuleChange(change)}`);
  } finally {
    await registry.close();
  }
}

/** Adds `apply` to the `alerts` command (which, without a subcommand, runs the processor). */
export function addAlertCommands(alerts: Command): void {
  alerts
    .command('apply')
    .argument('<dir>', 'directory of rule documents (.yaml, .yml, .json), one tenant per document')
    .description("make the stored alert rules of the documents' tenants those of the documents (other tenants' rules are kept); prints what it created, updated and deleted (DATABASE_URL, REGISTRY_DATABASE_SCHEMA)")
    .action(applyAlertRules);
}
