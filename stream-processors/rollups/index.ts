import { parseOptions } from '../../lib/config';
import type { RunningComponent } from '../../lib/component';
import type { Kafka } from 'kafkajs';
import { Pool } from 'pg';
import { FleetstreamError } from '../../lib/errors';
import { createKafka, kafkaConnection } from '../../lib/kafka';
import type { Logger } from '../../lib/logger';
import { createMetricsRegistry } from '../../lib/metrics';
import { closeOnFailure, type OpenedResources } from '../../lib/opened-resources';
import { retryUntilDone } from '../../lib/retry';
import { AvroCodec } from '../../schemas/avro-codec';
import { avroSchemas, valueSubject } from '../../schemas/avro-schemas';
import { createRegistryClient, type RegistryClient } from '../../schemas/registry-client';
import { measurementsTable, qualified, tooOldReadingsTable } from '../../schemas/tables';
import { topicNames } from '../../schemas/topics';
import { Corrector } from './corrector';
import { checkHorizonWithinRetention } from './raw-retention';
import type { DeadLetter, Measurement, Rollup } from '../../schemas/types';
import { rollupsOptionsSchema, type RollupsOptions } from './options';
import { resolutionMs } from '../../schemas/resolution';
import { RollupStage, type StageInput } from './stage';
import { createStageMetrics } from './stage-metrics';
import { mergedWindows, readingWindows, type PartInput, type ReadingInput } from './window-logic';

/**
 * The rollup processor: the finest resolution from the measurements, each
 * coarser one from the final rollups of the one before (1m -> 1h -> 1d), and
 * the corrector, which recomputes from the stored raw readings the windows
 * that took input after they closed.
 */
/** `kafka`, `registryClient`: clients to use instead of those made from the options (tests put faults in them). */
export function start(input: RollupsInput): Promise<RunningComponent> {
  return closeOnFailure(input.logger, (opened) => startWith(input, opened));
}

type RollupsInput = RollupsOptions & { logger: Logger; now?: () => number; kafka?: Kafka; registryClient?: RegistryClient };

async function startWith(input: RollupsInput, opened: OpenedResources): Promise<RunningComponent> {
  const { logger, now = Date.now, kafka: client, registryClient: registryOverride, ...rest } = input;
  const options = parseOptions(rollupsOptionsSchema, rest, 'rollups options');
  const registry = createMetricsRegistry('rollups');
  const metrics = createStageMetrics(registry);
  const kafka = client ?? createKafka({ ...kafkaConnection(options), clientId: `fleetstream-rollups-${options.instanceId}`, logger });
  const registryClient = registryOverride ?? createRegistryClient(options);
  const rollupTopic = (resolution: string) => options.rollupTopicTemplate.replace('{resolution}', resolution);
  const stopping = new AbortController();
  const onRetry = (error: unknown, attempt: number, delayMs: number) => logger.warn({ event: 'retrying', what: 'schema registration', attempt, delayMs, err: error }, 'retrying');

  const deadLetterCodec = new AvroCodec<DeadLetter>(registryClient, valueSubject(options.deadLetterTopic), avroSchemas.DeadLetter);
  const measurementCodec = new AvroCodec<Measurement>(registryClient, valueSubject(options.measurementsTopic), avroSchemas.Measurement);
  const rollupCodecs = new Map(options.resolutions.map((r) => [r, new AvroCodec<Rollup>(registryClient, valueSubject(rollupTopic(r)), avroSchemas.Rollup)]));
  await retryUntilDone(() => Promise.all([deadLetterCodec.register(), ...[...rollupCodecs.values()].map((c) => c.register())]), { signal: stopping.signal, onRetry });

  const invalidationsTopic = topicNames.rollupInvalidations(options.groupIdPrefix);
  const common = (resolution: string, finer: string | undefined) => ({
    name: `rollups-${resolution}`,
    resolution,
    outputTopic: rollupTopic(resolution),
    changelogTopic: topicNames.rollupState(resolution, options.groupIdPrefix),
    invalidationsTopic,
    correctionHorizonMs: options.correctionHorizon,
    finest: finer === undefined,
    deadLetterTopic: options.deadLetterTopic,
    groupId: `${options.groupIdPrefix}-${resolution}`,
    transactionalId: `${options.groupIdPrefix}-${options.instanceId}-${resolution}`,
    provisionalIntervalMs: options.provisionalInterval,
    commitIntervalMs: options.commitInterval,
    maxRecordsPerCommit: options.maxRecordsPerCommit,
    restoreTimeoutMs: options.restoreTimeout,
    rollupCodec: rollupCodecs.get(resolution)!,
    deadLetterCodec,
    kafka,
    logger,
    metrics,
    now,
    timing: {
      sizeMs: resolutionMs(resolution),
      // a coarser stage's input arrives in window order per series, one finer window at a time
      latenessMs: finer ? resolutionMs(finer) : options.allowedLateness,
      idleMs: options.idleTimeout,
      horizonMs: options.correctionHorizon,
    },
  });

  const stages: RollupStage<unknown, unknown>[] = [];
  const [finest, ...coarser] = options.resolutions;
  stages.push(
    new RollupStage<ReadingInput, ReturnType<typeof readingWindows.create>>({
      ...common(finest!, undefined),
      logic: readingWindows,
      inputTopic: options.measurementsTopic,
      decode: async (message): Promise<StageInput<ReadingInput>> => {
        try {
          const m = await measurementCodec.decode(message.value ?? Buffer.alloc(0));
          const meta = { path: m.path, tenant: m.tenant, site: m.site, device: m.device, metric: m.metric, kind: m.kind };
          return { kind: 'input', meta, time: m.timestamp, progress: m.timestamp, input: { time: m.timestamp, value: m.value } };
        } catch (error) {
          return undecodable(error);
        }
      },
    }) as RollupStage<unknown, unknown>,
  );
  coarser.forEach((resolution, i) => {
    const finer = options.resolutions[i]!;
    const finerCodec = rollupCodecs.get(finer)!;
    stages.push(
      new RollupStage<PartInput, ReturnType<typeof mergedWindows.create>>({
        ...common(resolution, finer),
        logic: mergedWindows,
        inputTopic: rollupTopic(finer),
        decode: async (message): Promise<StageInput<PartInput>> => {
          try {
            const r = await finerCodec.decode(message.value ?? Buffer.alloc(0));
            if (!r.final) return { kind: 'skip' };
            const meta = { path: r.path, tenant: r.tenant, site: r.site, device: r.device, metric: r.metric, kind: r.kind };
            const { count, sum, min, max, first, firstTime, last, lastTime, delta, resets } = r;
            return { kind: 'input', meta, time: r.windowStart, progress: r.windowEnd, input: { start: r.windowStart, revision: r.revision, values: { count, sum, min, max, first, firstTime, last, lastTime, delta, resets } } };
          } catch (error) {
            return undecodable(error);
          }
        },
      }) as RollupStage<unknown, unknown>,
    );
  });

  // JIT off: a recomputation of a few hundred windows is costed above jit_above_cost, and compiling it took longer than running it
  const pool = new Pool({ connectionString: options.databaseUrl, max: 2, application_name: 'fleetstream-rollups', connectionTimeoutMillis: 5000, options: '-c jit=off' });
  // an idle client's error (server restart) must not crash the process; the next query reconnects
  pool.on('error', () => undefined);
  opened.add('database pool', () => pool.end());
  const corrector = new Corrector({
    invalidationsTopic,
    measurementsTopic: options.measurementsTopic,
    rawStoreGroup: options.rawStoreGroup,
    groupId: `${options.groupIdPrefix}-corrections`,
    transactionalId: `${options.groupIdPrefix}-${options.instanceId}-corrections`,
    outputs: options.resolutions.map((resolution) => ({ resolution, topic: rollupTopic(resolution), codec: rollupCodecs.get(resolution)! })),
    pool,
    measurementsTable: qualified(options.databaseSchema, measurementsTable),
    tooOldTable: qualified(options.databaseSchema, tooOldReadingsTable),
    kafka,
    logger,
    registry,
    now,
  });

  // finest first, as they start (the stages create the invalidations topic the corrector reads); a stage that
  // failed half-way closes what it opened too
  opened.add('rollup stages', async () => {
    await corrector.stop();
    for (const stage of stages) await stage.stop();
  });
  await checkHorizonWithinRetention(pool, options.databaseSchema, measurementsTable, options.correctionHorizon).catch((error: unknown) => {
    if (error instanceof FleetstreamError) throw error;
    logger.warn({ event: 'retention_unchecked', err: error }, 'could not read the raw readings\' retention to check the correction horizon against it');
  });
  for (const stage of stages) await stage.start();
  await corrector.start();
  logger.info({ event: 'rollups_started', resolutions: options.resolutions }, 'rollup processor started');
  return {
    metrics: registry,
    ready: () => stages.every((s) => s.ready) && corrector.ready,
    failed: Promise.race([...stages.map((s) => s.failed), corrector.failed]),
    async stop() {
      stopping.abort();
      await opened.close();
    },
  };
}

/**
 * A record that will never decode is dead-lettered; one that failed only
 * because the schema registry could not be asked (a retriable error) is
 * consumed again once it can, never dead-lettered and committed.
 */
function undecodable(error: unknown): StageInput<never> {
  if ((error as { retriable?: boolean }).retriable === true) throw error;
  return { kind: 'undecodable', message: (error as Error).message };
}
