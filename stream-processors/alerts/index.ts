import { createHash } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { Pool } from 'pg';
import type { RunningComponent } from '../../lib/component';
import { parseOptions } from '../../lib/config';
import { createKafka, kafkaConnection } from '../../lib/kafka';
import type { Logger } from '../../lib/logger';
import { createMetricsRegistry } from '../../lib/metrics';
import { closeOnFailure, type OpenedResources } from '../../lib/opened-resources';
import { retryUntilDone } from '../../lib/retry';
import { AvroCodec } from '../../schemas/avro-codec';
import { avroSchemas, valueSubject } from '../../schemas/avro-schemas';
import { createRegistryClient, type RegistryClient } from '../../schemas/registry-client';
import { topicNames } from '../../schemas/topics';
import type { AlertEvent, DeadLetter, Measurement, Rollup } from '../../schemas/types';
import type { AlertRule } from '../../schemas/alert-rule';
import { AlertHistory } from './alert-history';
import { AlertRecords } from './alert-records';
import { createAlertsMetrics, type AlertsMetrics } from './alerts-metrics';
import { AlertsProcessor } from './alerts-processor';
import { alertsOptionsSchema, type AlertsOptions } from './options';
import { loadExpectedSeries } from './expected-series';
import { RuleBook, type DeviceTagsOf } from './rule-book';
import { deviceTagsOf, loadDeviceTags } from './device-tags';
import { loadRules } from './rule-store';

/**
 * The alerts processor (issue 17, item 1): the rules `fleetstream alerts
 * apply` stored in PostgreSQL, evaluated per (rule, series) over the raw
 * readings and the final rollups, every transition to fleet.alerts.v1, the
 * states in a compacted changelog committed with them.
 */
/** `kafka`, `registryClient`: clients to use instead of those made from the options (tests put faults in them). */
export function start(input: AlertsInput): Promise<RunningComponent> {
  return closeOnFailure(input.logger, (opened) => startWith(input, opened));
}

type AlertsInput = AlertsOptions & { logger: Logger; now?: () => number; kafka?: Kafka; registryClient?: RegistryClient };

async function startWith(input: AlertsInput, opened: OpenedResources): Promise<RunningComponent> {
  const { logger, now = Date.now, kafka: client, registryClient: registryOverride, ...rest } = input;
  const options = parseOptions(alertsOptionsSchema, rest, 'alerts options');
  const registry = createMetricsRegistry('alerts');
  const metrics = createAlertsMetrics(registry);
  const kafka = client ?? createKafka({ ...kafkaConnection(options), clientId: `fleetstream-alerts-${options.instanceId}`, logger });
  const registryClient = registryOverride ?? createRegistryClient(options);
  const stopping = new AbortController();
  const onRetry = (what: string) => (error: unknown, attempt: number, delayMs: number) => logger.warn({ event: 'retrying', what, attempt, delayMs, err: error }, 'retrying');

  const pool = new Pool({ connectionString: options.databaseUrl, max: options.poolSize, application_name: 'fleetstream-alerts', connectionTimeoutMillis: 5000 });
  // an idle client's error (server restart) must not crash the process; the next query reconnects
  pool.on('error', () => undefined);
  opened.add('database pool', () => pool.end());
  // what the rule book was made of: a refresh that reads the same keeps the book, and with it the rules each
  // series was matched to (matching a series against 1,000 rules took a millisecond in the alerts benchmark)
  let madeOf = '';
  const readRules = async (): Promise<RuleBook | undefined> => {
    const loaded = await loadRules(pool, options.databaseSchema);
    const tagged = [...new Set(loaded.rules.filter((r) => Object.keys(r.deviceTags).length > 0).map((r) => r.tenant))];
    const tags = await loadDeviceTags(pool, options.databaseSchema, tagged);
    const fingerprint = createHash('sha256').update(JSON.stringify([loaded.rules, loaded.unreadable, [...tags]])).digest('hex');
    if (fingerprint === madeOf) return undefined;
    madeOf = fingerprint;
    return ruleBookOf(loaded, deviceTagsOf(tags), options.resolutions, logger, metrics);
  };
  const rules = (await retryUntilDone(readRules, { signal: stopping.signal, onRetry: onRetry('reading the alert rules') }))!;

  const codec = <T>(topic: string, schema: string) => new AvroCodec<T>(registryClient, valueSubject(topic), schema);
  const codecs = { event: codec<AlertEvent>(options.alertsTopic, avroSchemas.AlertEvent), deadLetter: codec<DeadLetter>(options.deadLetterTopic, avroSchemas.DeadLetter) };
  await retryUntilDone(() => Promise.all(Object.values(codecs).map((c) => c.register())), { signal: stopping.signal, onRetry: onRetry('schema registration') });
  const measurements = codec<Measurement>(options.measurementsTopic, avroSchemas.Measurement);
  const rollupTopics = new Map(options.resolutions.map((r) => [r, options.rollupTopicTemplate.replace('{resolution}', r)]));
  const rollups = new Map([...rollupTopics.values()].map((topic) => [topic, codec<Rollup>(topic, avroSchemas.Rollup)]));

  const stateTopic = options.stateTopic ?? topicNames.alertState(options.groupId);
  const processor = new AlertsProcessor({
    kafka,
    logger,
    metrics,
    now,
    measurementsTopic: options.measurementsTopic,
    rollupTopics,
    stateTopic,
    groupId: options.groupId,
    transactionalId: `${options.groupId}-${options.instanceId}`,
    restoreTimeoutMs: options.restoreTimeout,
    noDataCheckIntervalMs: options.noDataCheckInterval,
    pipelineStaleAfterMs: options.pipelineStaleAfter,
    rollupsResolutions: options.rollupsResolutions,
    rollupsGroupIdPrefix: options.rollupsGroupIdPrefix,
    records: new AlertRecords({ alertsTopic: options.alertsTopic, stateTopic, deadLetterTopic: options.deadLetterTopic }, codecs),
    rules,
    decodeMeasurement: (value) => measurements.decode(value),
    decodeRollup: (topic, value) => rollups.get(topic)!.decode(value),
  });
  opened.add('alerts processor', () => processor.stop());
  await processor.start();

  let historyFailed: Promise<Error> = new Promise<Error>(() => undefined);
  if (options.history) {
    let failHistory: (error: Error) => void = () => undefined;
    historyFailed = new Promise((resolve) => (failHistory = resolve));
    const history = new AlertHistory({
      kafka,
      pool,
      schema: options.databaseSchema,
      topic: options.alertsTopic,
      groupId: `${options.groupId}-history`,
      logger,
      decode: (value) => codecs.event.decode(value),
      onFailed: (error) => failHistory(error),
    });
    opened.add('alert history', () => history.stop());
    await history.start();
  }

  let book = rules;
  const readExpected = async () => loadExpectedSeries(pool, { registry: options.databaseSchema, series: options.seriesSchema }, [...new Set([...book.noDataTenants().values()].flatMap((t) => [...t]))]);
  processor.setExpectedSeries(await retryUntilDone(readExpected, { signal: stopping.signal, onRetry: onRetry('reading the series of registered devices') }));
  const refresh = setInterval(() => {
    readRules()
      .then(async (changed) => {
        if (changed) {
          await processor.setRules(changed);
          book = changed;
        }
        processor.setExpectedSeries(await readExpected());
      })
      .catch((error: unknown) => logger.warn({ event: 'rules_refresh_failed', err: error }, 'reading the alert rules or the registered series again failed; those in force stay'));
  }, options.rulesRefreshInterval);
  opened.add('rules refresh', async () => clearInterval(refresh));

  return {
    metrics: registry,
    ready: () => processor.ready,
    failed: Promise.race([processor.failed, historyFailed]),
    async stop() {
      stopping.abort();
      await opened.close();
    },
  };
}

/** The rules in force: those of the resolutions read, and every raw one. */
function ruleBookOf(loaded: Awaited<ReturnType<typeof loadRules>>, deviceTagsOf: DeviceTagsOf, resolutions: readonly string[], logger: Logger, metrics: AlertsMetrics): RuleBook {
  for (const { rule, problems } of loaded.unreadable) logger.warn({ event: 'rule_unreadable', rule, problems }, 'a stored alert rule does not validate: it is left out');
  const usable = (rule: AlertRule) => rule.reads.kind === 'raw' || resolutions.includes(rule.reads.resolution);
  for (const rule of loaded.rules.filter((r) => !usable(r))) {
    logger.warn({ event: 'rule_resolution_not_read', rule: `${rule.tenant}/${rule.id}`, reads: rule.reads }, 'an alert rule reads a resolution this processor does not read (ALERTS_RESOLUTIONS): it is left out');
  }
  const book = new RuleBook(loaded.rules.filter(usable), deviceTagsOf);
  metrics.rules.set(book.size);
  return book;
}
