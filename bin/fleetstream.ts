#!/usr/bin/env node
/**
 * `fleetstream`: the one command that starts any component by name, so one
 * container image serves every Deployment. This is the only file that knows
 * every component.
 */
import { Command, InvalidArgumentError } from 'commander';
import { componentEnv, readConnectionSettings } from '../lib/config';
import { runComponent } from '../lib/component';
import { start as startMqttSource } from '../connectors/mqtt-source';
import { start as startRollups } from '../stream-processors/rollups';
import { FleetstreamError } from '../lib/errors';
import { createKafka } from '../lib/kafka';
import { componentLogger } from '../lib/logger';
import { subjectCatalogue } from '../schemas/avro-schemas';
import { createRegistryClient } from '../schemas/registry-client';
import { topicCatalogue } from '../schemas/topics';
import { applySubjects, applyTopics, describeChange } from '../schemas/topics-apply';

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number of at least 1');
  return n;
}

const program = new Command('fleetstream')
  .description('IoT telemetry over MQTT and Kafka: connectors, rollups, sinks and queries')
  .showHelpAfterError();

const topics = program.command('topics').description('the Kafka topic catalogue');
topics
  .command('apply')
  .description('create the catalogue\'s topics and register their schemas, or bring them up to date; prints what it changed')
  .option('--partitions <n>', 'partitions of the keyed topics', positiveInteger, 6)
  .option('--replication-factor <n>', 'replicas of each new topic', positiveInteger, 1)
  .action(async (options: { partitions: number; replicationFactor: number }) => {
    const settings = readConnectionSettings();
    const logger = componentLogger('topics');
    const admin = createKafka({ brokers: settings.kafkaBrokers, clientId: 'fleetstream-topics', logger }).admin();
    await admin.connect();
    try {
      const changes = [
        ...(await applyTopics(admin, topicCatalogue({ partitions: options.partitions }), options.replicationFactor)),
        ...(await applySubjects(createRegistryClient(settings.schemaRegistryUrl), subjectCatalogue())),
      ];
      if (changes.length === 0) console.log('topics: nothing to change');
      for (const change of changes) console.log(`topics: ${describeChange(change)}`);
    } finally {
      await admin.disconnect();
    }
  });

// sinks (timescale-sink, redis-sink, migrate): flags map one-to-one onto each component's options.ts
function sinkFlags(command: Command): Command {
  return command
    .option('--resolutions <list>', 'rollup resolutions, comma-separated (default 1m,1h,1d)', (v: string) => v.split(',').map((r) => r.trim()))
    .option('--group-id <id>', 'Kafka consumer group')
    .option('--measurements-topic <topic>', 'raw measurements topic')
    .option('--rollup-topic <resolution=topic>', 'rollup topic of one resolution (repeatable)', (v: string, all: Record<string, string>) => {
      const [resolution, topic] = v.split('=');
      if (!resolution || !topic) throw new InvalidArgumentError('expected <resolution>=<topic>, for example 1m=fleet.rollups.1m.v1');
      return { ...all, [resolution]: topic };
    }, {} as Record<string, string>)
    .option('--dead-letter-topic <topic>', 'dead-letter topic')
    .option('--commit-interval <ms>', 'how often the offsets of written batches are committed (default 1000)', (v: string) => Number(v));
}
function sinkOptions(flags: Record<string, unknown>): Record<string, unknown> {
  const settings = readConnectionSettings();
  const picked = Object.fromEntries(Object.entries({
    resolutions: flags.resolutions, groupId: flags.groupId, measurementsTopic: flags.measurementsTopic, deadLetterTopic: flags.deadLetterTopic,
    rollupTopics: flags.rollupTopic, commitIntervalMs: flags.commitInterval,
  }).filter(([, v]) => v !== undefined));
  return { kafkaBrokers: settings.kafkaBrokers, schemaRegistryUrl: settings.schemaRegistryUrl, ...picked };
}
function timescaleOptions(flags: Record<string, unknown>): Record<string, unknown> {
  return {
    ...sinkOptions(flags), databaseUrl: readConnectionSettings().databaseUrl,
    ...(flags.schema ? { schema: flags.schema } : {}), ...(flags.writeMethod ? { writeMethod: flags.writeMethod } : {}),
    ...(flags.lastSeenGranularity !== undefined ? { lastSeenGranularityMs: flags.lastSeenGranularity } : {}),
    ...(flags.timescale ? { timescale: { mode: flags.timescale } } : {}), ...(flags.migrate === false ? { migrateOnStart: false } : {}),
  };
}
sinkFlags(program.command('timescale-sink').description('land measurements and rollups from Kafka in PostgreSQL/TimescaleDB'))
  .option('--schema <name>', 'PostgreSQL schema of the tables (default public)')
  .option('--write-method <method>', 'copy or unnest (default copy)')
  .option('--last-seen-granularity <ms>', 'how far a series\' last_seen may lag its newest reading (default 60000)', (v: string) => Number(v))
  .option('--timescale <mode>', 'auto, off or require (default auto)')
  .option('--no-migrate', 'do not apply migrations at start')
  .action(async (flags: Record<string, unknown>) => {
    const { runComponent } = await import('../lib/component');
    const { start } = await import('../connectors/timescale-sink');
    await runComponent({ name: 'timescale-sink', opsPort: 9102, start: (logger) => start(timescaleOptions(flags), logger) });
  });
program
  .command('migrate')
  .description('apply the PostgreSQL migrations and TimescaleDB policies of the timescale-sink, then exit')
  .option('--schema <name>', 'PostgreSQL schema of the tables (default public)')
  .option('--resolutions <list>', 'rollup resolutions, comma-separated (default 1m,1h,1d)', (v: string) => v.split(',').map((r) => r.trim()))
  .option('--timescale <mode>', 'auto, off or require (default auto)')
  .action(async (flags: Record<string, unknown>) => {
    const { migrate } = await import('../connectors/timescale-sink');
    const result = await migrate(timescaleOptions(flags));
    console.log(`migrate: ${result.applied.length === 0 ? 'nothing to apply' : `applied ${result.applied.join(', ')}`} (TimescaleDB ${result.timescale ? 'in use' : 'not in use'})`);
  });
sinkFlags(program.command('redis-sink').description('keep latest values, recent rollups, the hierarchy and live updates in Redis'))
  .option('--key-prefix <prefix>', 'prefix of every key and channel (default fleet:)')
  .action(async (flags: Record<string, unknown>) => {
    const { runComponent } = await import('../lib/component');
    const { start } = await import('../connectors/redis-sink');
    const options = { ...sinkOptions(flags), redisUrl: readConnectionSettings().redisUrl, ...(flags.keyPrefix ? { keyPrefix: flags.keyPrefix } : {}) };
    await runComponent({ name: 'redis-sink', opsPort: 9103, start: (logger) => start(options, logger) });
  });

program
  .command('query-api')
  .description('the analysts\' HTTP API: sMAP-style queries, REST, live values (options: QUERY_API_* variables, see query-api/options.ts; OpenAPI at /openapi.json)')
  .action(async () => {
    const { start } = await import('../query-api');
    const { databaseUrl, redisUrl } = readConnectionSettings();
    await runComponent({ name: 'query-api', opsPort: 9104, start: (logger) => start({ databaseUrl, redisUrl, ...componentEnv('QUERY_API_') }, logger) });
  });

program
  .command('mqtt-source')
  .description('MQTT-to-Kafka source connector (options: MQTT_SOURCE_* variables, see connectors/mqtt-source/options.ts)')
  .action(() =>
    runComponent({
      name: 'mqtt-source',
      opsPort: 9101,
      start: (logger) => {
        const { mqttUrl, kafkaBrokers, schemaRegistryUrl } = readConnectionSettings();
        return startMqttSource({ mqttUrl, kafkaBrokers, schemaRegistryUrl, ...componentEnv('MQTT_SOURCE_'), logger });
      },
    }),
  );

// simulate: flags map one-to-one onto simulator/options.ts, which validates them and holds the defaults
program
  .command('simulate')
  .description('publish a simulated fleet\'s readings over MQTT (QoS 1) and print the achieved rate')
  .option('--devices <n>', 'simulated devices (default 1000)', Number)
  .option('--tenants <n>', 'tenants the devices are spread over (default 5)', Number)
  .option('--sites-per-tenant <n>', 'sites per tenant (default 4)', Number)
  .option('--tenant-prefix <name>', 'tenant names are <prefix>-01, ... (default tenant)')
  .option('--metrics <list>', 'metrics per device, comma-separated (default temperature,energy_kwh,pulses)', (v: string) => v.split(',').map((m) => m.trim()))
  .option('--rate <readings/s>', 'offered readings per second over the fleet (default 1000)', Number)
  .option('--interval-ms <ms>', 'instead of --rate: each device publishes every <ms>', Number)
  .option('--duration <seconds>', 'how long to publish (default 60)', Number)
  .option('--messages <n>', 'instead of --duration: regular messages to publish', Number)
  .option('--jitter-ms <ms>', 'random offset of event times, up to +-ms (default 0)', Number)
  .option('--clock-skew-ms <ms>', 'per-device clock error, up to +-ms (default 0)', Number)
  .option('--duplicates <fraction>', 'fraction of messages published twice (default 0)', Number)
  .option('--out-of-order <fraction>', 'fraction of messages sent after a later one (default 0)', Number)
  .option('--malformed <fraction>', 'malformed messages on top, as a fraction (default 0)', Number)
  .option('--connections <n>', 'MQTT connections shared by the devices; = devices for one each (default 16)', Number)
  .option('--max-inflight <n>', 'unacknowledged publishes per connection (default 100)', Number)
  .option('--seed <n>', 'seed of every random choice (default 1)', Number)
  .action(async (flags: Record<string, unknown>) => {
    const { runSimulation } = await import('../simulator');
    const { createProgressReporter, summaryLines } = await import('../simulator/progress');
    const input = Object.fromEntries(Object.entries({
      mqttUrl: readConnectionSettings().mqttUrl, devices: flags.devices, tenants: flags.tenants, sitesPerTenant: flags.sitesPerTenant,
      tenantPrefix: flags.tenantPrefix, metrics: flags.metrics, rate: flags.rate, intervalMs: flags.intervalMs, durationSeconds: flags.duration,
      messages: flags.messages, jitterMs: flags.jitterMs, clockSkewMs: flags.clockSkewMs, duplicateFraction: flags.duplicates,
      outOfOrderFraction: flags.outOfOrder, malformedFraction: flags.malformed, connections: flags.connections,
      maxInflightPerConnection: flags.maxInflight, seed: flags.seed,
    }).filter(([, v]) => v !== undefined));
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
  });

program
  .command('rollups')
  .description('rollup stream processor: 1m from the measurements, 1h from 1m, 1d from 1h (options: ROLLUPS_* variables, see stream-processors/rollups/options.ts)')
  .action(() =>
    runComponent({
      name: 'rollups',
      opsPort: 9105,
      start: (logger) => {
        const { kafkaBrokers, schemaRegistryUrl } = readConnectionSettings();
        return startRollups({ kafkaBrokers, schemaRegistryUrl, ...componentEnv('ROLLUPS_'), logger });
      },
    }),
  );

program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof FleetstreamError) {
    console.error(`fleetstream: ${error.message} [${error.code}]`);
  } else {
    console.error('fleetstream:', error);
  }
  process.exitCode = 1;
});
