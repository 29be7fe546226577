/**
 * `fleetstream`: the one command that starts any component by name, so one
 * container image serves every Deployment. With bin/components.ts, the only
 * place that knows every component. Components read their options from the
 * environment (`fleetstream options <component>` lists them); commands that are
 * not components take flags generated from their options schema.
 */
import { Command, InvalidArgumentError } from 'commander';
import { z } from 'zod';
import { parseOptions, readComponentOptions, readConnectionSettings, runtimeOptionsSchema } from '../lib/config';
import { integer } from '../lib/option-types';
import { runComponent } from '../lib/component';
import { createKafka } from '../lib/kafka';
import { kafkaSecurity } from '../lib/kafka-security';
import { componentLogger, rootLogger } from '../lib/logger';
import { topicCatalogue } from '../schemas/topics';
import { subjectCatalogue } from '../schemas/avro-schemas';
import { createRegistryClient } from '../schemas/registry-client';
import { applySubjects, applyTopics, describeChange } from '../schemas/topics-apply';
import { componentNamed, components, type ComponentEntry } from './components';
import { componentVariables, configurationMarkdown, envFile } from './option-docs';
import { addOptionFlags, flagValues, variableValues } from './option-flags';
import { addAlertCommands } from './alerts-commands';
import { addAutomationCommands } from './automations-commands';
import { addHandlerCommands } from './handler-commands';
import { addHandlerSecretCommands } from './handler-secret-commands';
import { addArchiveCommands } from './archive-commands';
import { addHierarchyCommands } from './hierarchy-commands';
import { addNotificationCommands, addSilenceCommands } from './notifications-commands';
import { addRegistryCommands } from './registry-commands';
import { simulationOptionsSchema } from '../simulator/options';

/** Validates the process's and the component's variables, then runs it. */
async function runFromEnvironment(entry: ComponentEntry): Promise<void> {
  const runtime = readComponentOptions(runtimeOptionsSchema, { name: entry.name, envPrefix: '' }).options;
  rootLogger.level = runtime.logLevel;
  const { input } = readComponentOptions(entry.options, entry);
  await runComponent({ name: entry.name, opsPort: runtime.opsPort ?? entry.opsPort, start: (logger) => entry.start(input, logger) });
}

function variablesHelp(entry: ComponentEntry): string {
  const lines = componentVariables(entry).map((d) => `  ${d.env}${d.default === undefined ? '' : `=${d.default}`}`);
  return `\nEnvironment (\`fleetstream options ${entry.name}\` describes each):\n${lines.join('\n')}`;
}

const topicsApplyOptionsSchema = z.strictObject({
  partitions: integer(1).default(6).meta({ description: 'Partitions of the keyed topics (only ever grown).' }),
  replicationFactor: integer(1).default(1).meta({ description: 'Replicas of each new topic.' }),
});

async function applyTopicCatalogue(flags: Record<string, unknown>): Promise<void> {
  const options = parseOptions(topicsApplyOptionsSchema, flagValues(flags), 'topics apply');
  const settings = readConnectionSettings();
  const logger = componentLogger('topics');
  const admin = createKafka({ brokers: settings.kafkaBrokers, ...kafkaSecurity(settings), clientId: 'fleetstream-topics', logger }).admin();
  await admin.connect();
  try {
    const changes = [
      ...(await applyTopics(admin, topicCatalogue({ partitions: options.partitions }), options.replicationFactor)),
      ...(await applySubjects(createRegistryClient(settings), subjectCatalogue())),
    ];
    if (changes.length === 0) console.log('topics: nothing to change');
    for (const change of changes) console.log(`topics: ${describeChange(change)}`);
  } finally {
    await admin.disconnect();
  }
}

async function migrateDatabase(): Promise<void> {
  const { migrate } = await import('../connectors/timescale-sink');
  const sink = componentNamed('timescale-sink');
  const result = await migrate(readComponentOptions(sink.options, sink).input);
  console.log(`migrate: ${result.applied.length === 0 ? 'nothing to apply' : `applied ${result.applied.join(', ')}`} (TimescaleDB ${result.timescale ? 'in use' : 'not in use'})`);
}

function printOptions(name: string | undefined, flags: { format: string }): void {
  if (flags.format === 'env') {
    if (!name) throw new InvalidArgumentError('--format env needs a component');
    process.stdout.write(envFile(componentNamed(name)));
  } else if (name) {
    for (const d of componentVariables(componentNamed(name))) console.log(`${d.env}${d.default === undefined ? '' : `=${d.default}`}\n    ${d.description}`);
  } else {
    process.stdout.write(configurationMarkdown());
  }
}

async function simulate(flags: Record<string, unknown>): Promise<void> {
  const { runSimulation } = await import('../simulator');
  const { createProgressReporter, summaryLines } = await import('../simulator/progress');
  const input = { ...variableValues(simulationOptionsSchema), ...flagValues(flags) };
  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
  const progress = createProgressReporter();
  try {
    const stats = await runSimulation(input, { onProgress: (p) => progress.update(p), signal: stop.signal });
    progress.stop();
    for (const line of summaryLines(stats)) console.log(line);
    if (!stats.complete) process.exitCode = 1;
  } finally {
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
  }
}

/** The whole CLI; the manifests' checks read its commands and flags. */
export function buildProgram(): Command {
  const program = new Command('fleetstream').description('IoT telemetry over MQTT and Kafka: connectors, rollups, sinks and queries').showHelpAfterError();

  const topics = program.command('topics').description('the Kafka topic catalogue');
  addOptionFlags(topics.command('apply').description("create the catalogue's topics and register their schemas, or bring them up to date; prints what it changed"), topicsApplyOptionsSchema).action(applyTopicCatalogue);

  for (const entry of components) {
    const command = program
      .command(entry.name)
      .description(`${entry.description} (options: ${entry.envPrefix}* variables)`)
      .addHelpText('after', variablesHelp(entry))
      .action(() => runFromEnvironment(entry));
    if (entry.name === 'alerts') addAlertCommands(command);
    if (entry.name === 'automations') addAutomationCommands(command);
    if (entry.name === 'handlers') addHandlerCommands(command);
    if (entry.name === 'notifications') addNotificationCommands(command);
  }

  program
    .command('migrate')
    .description('apply the PostgreSQL migrations and TimescaleDB policies of the timescale-sink (TIMESCALE_SINK_* variables), then exit')
    .action(migrateDatabase);

  addRegistryCommands(program);
  addHierarchyCommands(program);
  addSilenceCommands(program);
  addArchiveCommands(program);
  addHandlerSecretCommands(program);

  program
    .command('options')
    .argument('[component]', 'one component; default all, as the README shows them')
    .description('the variables components read, with their defaults')
    .option('--format <format>', "markdown (the README's tables) or env (an env file of a component's own options, as infra/k8s/config holds)", 'markdown')
    .action(printOptions);

  addOptionFlags(program.command('simulate').description("publish a simulated fleet's readings over MQTT (QoS 1) and print the achieved rate"), simulationOptionsSchema, [
    'progressInterval',
  ]).action(simulate);

  return program;
}
