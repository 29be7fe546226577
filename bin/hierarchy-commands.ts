/**
 * `fleetstream hierarchy publish`: the device hierarchy job, run by the
 * Kubernetes CronJob (infra/k8s/device-hierarchy.cronjob.yaml) and by the
 * local stack's scheduler. Flags from its options schema; REDIS_URL,
 * DATABASE_URL and REGISTRY_DATABASE_SCHEMA from the environment.
 */
import type { Command } from 'commander';
import { readComponentOptions, readConnectionSettings } from '../lib/config';
import { hierarchyPublishOptionsSchema } from '../republishers/device-hierarchy/options';
import { registryOptionsSchema } from '../registry/options';
import { addOptionFlags, flagValues } from './option-flags';

async function publishHierarchy(flags: Record<string, unknown>): Promise<void> {
  const { publish, publishSummary } = await import('../republishers/device-hierarchy');
  const { json, ...options } = flags;
  const registry = readComponentOptions(registryOptionsSchema, { name: 'registry', envPrefix: 'REGISTRY_' }).options;
  const input = { redisUrl: readConnectionSettings().redisUrl, ...registry, ...flagValues(options) };
  const stop = new AbortController();
  const onSignal = (): void => stop.abort(new Error('stopped by a signal before the switch; the current generation is unchanged'));
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
  try {
    const result = await publish(input, stop.signal);
    console.log(json ? JSON.stringify(result) : publishSummary(result));
  } finally {
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
  }
}

export function addHierarchyCommands(program: Command): void {
  const hierarchy = program.command('hierarchy').description("the registry's device hierarchy in Redis");
  addOptionFlags(
    hierarchy
      .command('publish')
      .description("write the registry's tenants, sites and devices, with metadata, to Redis as a new generation, switch readers to it and prune what was removed; prints a one-line summary (REDIS_URL, DATABASE_URL, REGISTRY_DATABASE_SCHEMA)")
      .option('--json', 'print the result as JSON'),
    hierarchyPublishOptionsSchema,
  ).action(publishHierarchy);
}
