import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { connectAsync } from 'mqtt';
import { createKafka } from '../../lib/kafka';
import { componentLogger } from '../../lib/logger';
import { repositoryRoot } from '../../lib/repository-root';
import { measurementRowsCsv, parseProducerPerformance, parsePsqlTiming, parseRedisBenchmark, type ProducerPerformanceSummary } from './reference-parsers';
import { createTopicsAndWait } from '../../lib/create-topics';

/**
 * The reference measurements BENCHMARKING.md asks for: each server alone,
 * measured with its own tool (or the plainest client), so our figures can be
 * reported beside the limit of the server they lean on.
 */

const run = promisify(execFile);

export interface ReferenceMeasurement {
  /** Units per second: messages (MQTT), records (Kafka), rows (PostgreSQL), requests (Redis). */
  perSecond: number;
  count: number;
  seconds: number;
  [detail: string]: unknown;
}

function suffix(): string {
  return `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

export interface MosquittoReferenceOptions {
  url: string;
  /** Messages to publish. */
  messages: number;
  /** Payload size in bytes (say, the simulator's 3-reading batch payload). */
  payloadBytes: number;
  /** Unacknowledged publishes allowed at once, as the simulator's pool does per connection. Default 100. */
  maxInflight?: number;
  /**
   * Most messages published but not yet arrived. Mosquitto queues at most
   * `max_queued_messages` (default 1000) per subscriber and silently drops the
   * rest, after acknowledging them to the publisher: a window below that limit
   * measures what it passes on without loss. 0 turns the window off (then
   * expect `lost` > 0 once the subscriber falls behind). Default 500.
   */
  window?: number;
  /** Stop waiting when nothing has arrived for this long. Default 2000. */
  idleTimeoutMs?: number;
}

/**
 * Mosquitto alone: one mqtt.js publisher to one subscriber, QoS 1 both ways,
 * on a topic outside `fleet/` (so a running connector does not see it). Counts
 * what arrives; `perSecond` is arrivals per second from first publish to last arrival.
 */
export async function measureMosquitto(options: MosquittoReferenceOptions): Promise<ReferenceMeasurement & { received: number; lost: number; payloadBytes: number; window: number }> {
  const topic = `bench/reference/${suffix()}`;
  const subscriber = await connectAsync(options.url, { protocolVersion: 5, clientId: `bench-sub-${suffix()}`, clean: true, reconnectPeriod: 0 });
  const publisher = await connectAsync(options.url, { protocolVersion: 5, clientId: `bench-pub-${suffix()}`, clean: true, reconnectPeriod: 0 });
  try {
    let received = 0;
    let lastArrival = 0;
    let wake: (() => void) | undefined;
    const nudge = (): void => {
      const w = wake;
      wake = undefined;
      w?.();
    };
    subscriber.on('message', () => {
      received++;
      lastArrival = performance.now();
      nudge();
    });
    await subscriber.subscribeAsync(topic, { qos: 1 });
    const payload = Buffer.alloc(options.payloadBytes, 'x');
    const maxInflight = options.maxInflight ?? 100;
    const window = options.window ?? 500;
    const idleMs = options.idleTimeoutMs ?? 2000;
    const nudged = (): Promise<void> =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 100);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    let inflight = 0;
    let progressAt = performance.now();
    const started = progressAt;
    // a broker that drops messages would leave the window closed for ever: give up once nothing moves for idleMs
    const stalled = (): boolean => performance.now() - Math.max(lastArrival, progressAt) >= idleMs;
    publishing: for (let i = 0; i < options.messages; i++) {
      while (inflight >= maxInflight || (window > 0 && i - received >= window)) {
        await nudged();
        if (stalled()) break publishing;
      }
      inflight++;
      publisher.publish(topic, payload, { qos: 1 }, () => {
        inflight--;
        progressAt = performance.now();
        nudge();
      });
    }
    // wait for the rest, until all arrived or arrivals stop
    while (received < options.messages && !stalled()) await nudged();
    const seconds = ((received > 0 ? lastArrival : performance.now()) - started) / 1000;
    return { perSecond: received / seconds, count: options.messages, seconds, received, lost: options.messages - received, payloadBytes: options.payloadBytes, window };
  } finally {
    await Promise.all([publisher.endAsync(), subscriber.endAsync()]);
  }
}

export interface KafkaReferenceOptions {
  brokers: string[];
  records: number;
  recordSize: number;
  /** Partitions of the fresh topic (pin the same as the measurements topic). Default 6. */
  partitions?: number;
  /** Producer properties beyond bootstrap.servers; default acks=all as the pipeline's producers. */
  producerProps?: Record<string, string>;
  /** Folder of Kafka's jars. Default the local stack's `.local/kafka/libs`. */
  kafkaLibs?: string;
  /** JVM heap of the tool. Default -Xmx512m. */
  heap?: string;
}

/**
 * Kafka alone: the broker's own `ProducerPerformance` with `--throughput -1`
 * into a fresh topic (deleted afterwards).
 */
export async function measureKafkaProducer(options: KafkaReferenceOptions): Promise<ReferenceMeasurement & ProducerPerformanceSummary & { partitions: number; recordSize: number; producerProps: Record<string, string> }> {
  const topic = `bench.reference.${suffix()}`;
  const partitions = options.partitions ?? 6;
  const admin = createKafka({ brokers: options.brokers, clientId: 'bench-reference', logger: componentLogger('bench') }).admin();
  await admin.connect();
  try {
    await createTopicsAndWait(admin, [{ topic, numPartitions: partitions, replicationFactor: 1 }]);
    const producerProps = { acks: 'all', ...options.producerProps };
    const libs = options.kafkaLibs ?? join(repositoryRoot(), '.local', 'kafka', 'libs');
    const args = [
      options.heap ?? '-Xmx512m',
      '-cp',
      `${libs}/*`,
      'org.apache.kafka.tools.ProducerPerformance',
      '--topic', topic,
      '--num-records', String(options.records),
      '--record-size', String(options.recordSize),
      '--throughput', '-1',
      '--producer-props', `bootstrap.servers=${options.brokers.join(',')}`, ...Object.entries(producerProps).map(([k, v]) => `${k}=${v}`),
    ];
    const { stdout } = await run('java', args, { maxBuffer: 16 * 1024 * 1024 });
    const summary = parseProducerPerformance(stdout);
    return { ...summary, perSecond: summary.recordsPerSecond, count: summary.records, seconds: summary.records / summary.recordsPerSecond, partitions, recordSize: options.recordSize, producerProps };
  } finally {
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  }
}

export interface PostgresReferenceOptions {
  databaseUrl: string;
  rows: number;
  /**
   * `temp`: a temporary table (not WAL-logged); `table`: an ordinary table in a
   * fresh schema, dropped afterwards (what a sink writes to). Both have the
   * measurements table's columns and primary key. Default `temp`.
   */
  target?: 'temp' | 'table';
}

/** PostgreSQL alone: psql `\copy` of `rows` measurement rows from a CSV file, timed by psql's `\timing`. */
export async function measurePostgresCopy(options: PostgresReferenceOptions): Promise<ReferenceMeasurement & { target: 'temp' | 'table' }> {
  const target = options.target ?? 'temp';
  const dir = await mkdtemp(join(tmpdir(), 'fleetstream-bench-'));
  const schema = `bench_${suffix().replace(/-/g, '_')}`;
  const table = target === 'temp' ? 'copy_reference' : `${schema}.copy_reference`;
  const columns = '(path text not null, time timestamptz not null, value double precision not null, received_at timestamptz not null, primary key (path, time))';
  try {
    const csv = join(dir, 'rows.csv');
    await writeFile(csv, measurementRowsCsv(options.rows));
    const script = [
      target === 'temp' ? `create temp table ${table} ${columns};` : `create schema ${schema}; create table ${table} ${columns};`,
      '\\timing on',
      `\\copy ${table} from '${csv}' with (format csv)`,
      '\\timing off',
      target === 'table' ? `drop schema ${schema} cascade;` : '',
    ].join('\n');
    await writeFile(join(dir, 'copy.sql'), script);
    const { stdout } = await run('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', options.databaseUrl, '-f', join(dir, 'copy.sql')]);
    const seconds = parsePsqlTiming(stdout) / 1000;
    return { perSecond: options.rows / seconds, count: options.rows, seconds, target };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export interface RedisReferenceOptions {
  redisUrl: string;
  requests: number;
  /** Pipeline depth (`-P`): the same as the redis-sink's. */
  pipeline: number;
  /** Value size in bytes (`-d`). Default 3 (redis-benchmark's). */
  dataSize?: number;
}

/** Redis alone: `redis-benchmark -t set -q` at the given pipeline depth. */
export async function measureRedis(options: RedisReferenceOptions): Promise<ReferenceMeasurement & { pipeline: number; dataSize: number; p50Ms: number | null }> {
  const url = new URL(options.redisUrl);
  const dataSize = options.dataSize ?? 3;
  const args = ['-h', url.hostname || '127.0.0.1', '-p', url.port || '6379', '-P', String(options.pipeline), '-t', 'set', '-n', String(options.requests), '-d', String(dataSize), '-q'];
  if (url.password) args.push('-a', decodeURIComponent(url.password), '--no-auth-warning');
  const { stdout } = await run('redis-benchmark', args, { maxBuffer: 16 * 1024 * 1024 });
  const parsed = parseRedisBenchmark(stdout);
  // without -r, redis-benchmark writes the one key `key:__rand_int__`: leave nothing behind
  await run('redis-cli', [...args.slice(0, 4), ...(url.password ? ['-a', decodeURIComponent(url.password), '--no-auth-warning'] : []), 'DEL', 'key:__rand_int__']);
  return { perSecond: parsed.requestsPerSecond, count: options.requests, seconds: options.requests / parsed.requestsPerSecond, pipeline: options.pipeline, dataSize, p50Ms: parsed.p50Ms };
}
