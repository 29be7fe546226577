import type { Batch } from 'kafkajs';
import Redis from 'ioredis';
import { Counter } from 'prom-client';
import type { RunningComponent } from '../../lib/component';
import { FleetstreamError } from '../../lib/errors';
import { componentLogger, type Logger } from '../../lib/logger';
import { closeOnFailure, type OpenedResources } from '../../lib/opened-resources';
import { connectSinkInputs } from '../../sink-kit/sink-inputs';
import { startSinkConsumers } from '../../sink-kit/sink-consumers';
import { sendRejected } from '../../sink-kit/decode-batch';
import { decodeAndWrite } from '../../sink-kit/write-separating-unwritable';
import { parseRedisSinkOptions } from './options';
import { createSinkMetrics } from '../../sink-kit/sink-metrics';
import { WrittenSeries, loadScripts, mailboxCommands, measurementCommands, rollupCommands, runPipelined } from './writer';


/**
 * The Redis sink: latest value per series (by event time), recent rollups per
 * resolution, the path hierarchy and live pub/sub, pipelined per Kafka batch,
 * offsets committed after the pipeline succeeded.
 */
export function start(input: unknown, logger: Logger = componentLogger('redis-sink')): Promise<RunningComponent> {
  return closeOnFailure(logger, (opened) => startWith(input, logger, opened));
}

async function startWith(input: unknown, logger: Logger, opened: OpenedResources): Promise<RunningComponent> {
  const options = parseRedisSinkOptions(input);
  const metrics = createSinkMetrics('redis-sink', 'fleetstream_redis_sink');
  const skipped = new Counter({
    name: 'fleetstream_redis_sink_readings_not_newer_total',
    help: "readings not sent to Redis: no newer than their series' latest value this sink had written (a backlog, a replay)",
    registers: [metrics.registry],
  });
  // errors surface to the batch loop, which retries the whole (idempotent) batch with backoff
  const redis = new Redis(options.redisUrl, { maxRetriesPerRequest: 1, retryStrategy: (times) => Math.min(100 * 2 ** times, options.retryMax), lazyConnect: true });
  redis.on('error', (error: Error) => logger.warn({ event: 'redis_error', err: error }, 'redis connection error'));
  const written = new WrittenSeries(options.seriesCacheSize);
  redis.on('ready', () => written.clear());
  try {
    await redis.connect();
    await loadScripts(redis);
  } catch (error) {
    redis.disconnect();
    throw new FleetstreamError('REDIS_UNAVAILABLE', `cannot reach Redis (check REDIS_URL): ${(error as Error).message}`, { cause: error });
  }
  opened.add('redis', () => redis.quit().catch(() => redis.disconnect()));

  const { kafka, deadLetters, targets } = await connectSinkInputs('redis-sink', { ...options, downlinkTopic: options.downlinkTopic || undefined }, logger, opened);

  const write = async (batch: Batch) => {
    const target = targets.get(batch.topic)!;
    // one call per record type, so each keeps its type
    const doing = (n: number) => `writing ${n} records of ${batch.topic}`;
    let rejected;
    if (target.kind === 'measurements') {
      rejected = await decodeAndWrite(batch, target.codec, async (values) => {
        const latest = measurementCommands(options.keyPrefix, values, options.readingsPerCall, written);
        await runPipelined(redis, latest.commands, options.pipelineDepth, doing(values.length));
        latest.written();
        metrics.rowsWritten.inc({ target: 'latest' }, values.length - latest.skipped);
        skipped.inc(latest.skipped);
      });
    } else if (target.kind === 'rollups') {
      rejected = await decodeAndWrite(batch, target.codec, async (values) => {
        await runPipelined(redis, rollupCommands(options.keyPrefix, target.resolution, options.horizons[target.resolution]!, values), options.pipelineDepth, doing(values.length));
        metrics.rowsWritten.inc({ target: `rollups:${target.resolution}` }, values.length);
      });
    } else {
      rejected = await decodeAndWrite(batch, target.codec, async (values) => {
        await runPipelined(redis, mailboxCommands(options.keyPrefix, options.mailboxTtl, values), options.pipelineDepth, doing(values.length));
        metrics.rowsWritten.inc({ target: 'mailbox' }, values.length);
      });
    }
    await sendRejected(rejected, deadLetters, metrics);
  };

  const consumer = await startSinkConsumers({
    ...options, // the consumer loop's options (sink-kit/sink-options.ts)
    kafka,
    targets,
    logger,
    metrics,
    write,
  });
  opened.add('kafka consumer', () => consumer.stop());
  logger.info({ event: 'redis_sink_consuming', topics: [...targets.keys()], keyPrefix: options.keyPrefix }, 'consuming');

  return {
    metrics: metrics.registry,
    ready: () => consumer.ready() && redis.status === 'ready',
    readiness: () => ({ redis: redis.status, ...consumer.readiness() }),
    failed: consumer.failed,
    stop: () => opened.close(),
  };
}
