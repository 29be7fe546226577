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
import { FleetstreamError } from '../lib/errors';
import { createKafka } from '../lib/kafka';
import { componentLogger } from '../lib/logger';
import { topicCatalogue } from '../schemas/topics';
import { applyTopics, describeChange } from '../schemas/topics-apply';

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
  .description('create the catalogue\'s topics, or bring them up to date; prints what it changed')
  .option('--partitions <n>', 'partitions of the keyed topics', positiveInteger, 6)
  .option('--replication-factor <n>', 'replicas of each new topic', positiveInteger, 1)
  .action(async (options: { partitions: number; replicationFactor: number }) => {
    const settings = readConnectionSettings();
    const logger = componentLogger('topics');
    const admin = createKafka({ brokers: settings.kafkaBrokers, clientId: 'fleetstream-topics', logger }).admin();
    await admin.connect();
    try {
      const changes = await applyTopics(admin, topicCatalogue({ partitions: options.partitions }), options.replicationFactor);
      if (changes.length === 0) console.log('topics: nothing to change');
      for (const change of changes) console.log(`topics: ${describeChange(change)}`);
    } finally {
      await admin.disconnect();
    }
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

program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof FleetstreamError) {
    console.error(`fleetstream: ${error.message} [${error.code}]`);
  } else {
    console.error('fleetstream:', error);
  }
  process.exitCode = 1;
});
