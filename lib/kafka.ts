import { Kafka, logLevel, Partitioners, type AdminConfig, type ConsumerConfig, type ICustomPartitioner, type KafkaConfig, type LogEntry, type Producer, type ProducerConfig } from 'kafkajs';
import { kafkaSecurity, refusedByKafka, type KafkaSecurity, type KafkaSecurityOptions } from './kafka-security';
import { partitionForKey } from './key-partition';
import type { Logger } from './logger';

const pinoLevel: Record<logLevel, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.NOTHING]: 'error',
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

export interface KafkaClientOptions extends KafkaSecurity {
  brokers: string[];
  clientId: string;
  logger: Logger;
  /** Overrides for kafkajs's retry policy (tests shorten it to see failures fast). */
  retry?: KafkaConfig['retry'];
  /** The session timeout of every consumer of this client, ms (KAFKA_SESSION_TIMEOUT); unset, each consumer's own. */
  sessionTimeout?: number;
}

/** A component's Kafka connection options (`kafkaConnectionOptions` in lib/config.ts). */
export type KafkaConnectionOptions = KafkaSecurityOptions & { kafkaBrokers: string[]; kafkaSessionTimeout?: number };

/** What `createKafka` takes from a component's Kafka connection options: brokers, TLS and SASL (files read now), session timeout. */
export function kafkaConnection(options: KafkaConnectionOptions): Pick<KafkaClientOptions, 'brokers' | 'sessionTimeout' | keyof KafkaSecurity> {
  return { brokers: options.kafkaBrokers, ...kafkaSecurity(options), sessionTimeout: options.kafkaSessionTimeout };
}

/**
 * A kafkajs client whose log lines go through the component's pino logger, TLS
 * and SASL as `kafkaSecurity` (lib/kafka-security.ts) made them from the options.
 */
export function createKafka(options: KafkaClientOptions): Kafka {
  const logger = options.logger.child({ lib: 'kafkajs' });
  return new ClearRefusalKafka(options.sessionTimeout, {
    clientId: options.clientId,
    brokers: options.brokers,
    ssl: options.ssl,
    sasl: options.sasl,
    connectionTimeout: 3000,
    retry: options.retry ?? { initialRetryTime: 200, retries: 8, maxRetryTime: 10000 },
    // kafkajs logs a rebalance or a coordinator hiccup at ERROR; WARN keeps the signal.
    logLevel: logLevel.WARN,
    logCreator: () => (entry: LogEntry) => {
      const { message, ...extra } = entry.log;
      logger[expectedRetry(entry) ? 'debug' : pinoLevel[entry.level]]({ namespace: entry.namespace, ...extra }, message);
    },
  });
}

/**
 * A transaction begun while the coordinator still completes the previous one
 * gets CONCURRENT_TRANSACTIONS, and kafkajs logs it as an error twice before
 * it retries (see `transactionalProducer`): normal for a processor that
 * commits back to back, so debug, as the Java client logs it.
 */
function expectedRetry(entry: LogEntry): boolean {
  const error = (entry.log as { error?: unknown }).error;
  const text = typeof error === 'string' ? error : entry.log.message;
  return text.includes('another concurrent operation on the same transaction');
}

/**
 * kafkajs, with `connect` of its producers, consumers and admins turning a
 * refusal retrying cannot fix (credentials, an untrusted certificate) into a
 * non-retriable FleetstreamError that names the options to fix, so that a
 * component stops at start with it instead of retrying for ever.
 */
class ClearRefusalKafka extends Kafka {
  constructor(private readonly sessionTimeout: number | undefined, config: KafkaConfig) {
    super(config);
  }

  override producer(config?: ProducerConfig) {
    return withClearRefusal(super.producer(config));
  }

  override consumer(config: ConsumerConfig) {
    return withClearRefusal(super.consumer(withSessionTimeout(config, this.sessionTimeout)));
  }

  override admin(config?: AdminConfig) {
    return withClearRefusal(super.admin(config));
  }
}

/**
 * A consumer's config with the client's session timeout, when one is set, in
 * place of its own, and its heartbeats at most a third of it apart (as
 * Kafka's clients advise), so that a live member is never taken for dead.
 */
export function withSessionTimeout(config: ConsumerConfig, sessionTimeout: number | undefined): ConsumerConfig {
  if (sessionTimeout === undefined) return config;
  const heartbeatInterval = Math.min(config.heartbeatInterval ?? 3000, Math.floor(sessionTimeout / 3));
  return { ...config, sessionTimeout, heartbeatInterval };
}

function withClearRefusal<C extends { connect(): Promise<void> }>(client: C): C {
  const connect = client.connect.bind(client);
  client.connect = () =>
    connect().catch((error: unknown) => {
      throw refusedByKafka(error) ?? error;
    });
  return client;
}

/**
 * Most bytes a producer puts in one partition's record batch, or in one record:
 * under the broker's default message.max.bytes (1 MiB), past which Kafka
 * refuses a batch for good and a producer that retries it takes nothing more.
 */
export const maxRecordBatchBytes = 900_000;

/**
 * The Java client's murmur2 partitioner (a key lands in the same partition
 * whichever client wrote it), remembering the partition of each string key
 * (partitionForKey): every reading of a series has the same key, and kafkajs
 * computes murmur2 in 64-bit Long arithmetic, a tenth of the source
 * connector's CPU before.
 */
export const rememberingPartitioner: ICustomPartitioner = () => {
  const murmur2 = Partitioners.DefaultPartitioner();
  return (args) => {
    const { partitionMetadata, message } = args;
    if (typeof message.key !== 'string' || (message.partition !== undefined && message.partition !== null)) return murmur2(args);
    return partitionForKey(message.key, partitionMetadata.length);
  };
};

/**
 * How long an idle consumer's fetch waits at the broker for data, for the
 * consumers that see little traffic (commands, shadows, configuration, the
 * downlink, the API's views). With minBytes 1 a fetch returns as soon as a
 * record is there, so this bounds only the polling of an idle partition. In
 * the end-to-end benchmark at 1,000 readings/s Kafka spent 640 CPU-s per
 * million readings with these consumers at 100 ms, 348 at 1 s (202 on
 * 2026-12-01, before they existed; single runs on a busy stack).
 */
export const idleFetchWaitMs = 1000;

/** Options every producer gets: the remembering murmur2 partitioner above. */
export const producerDefaults = { createPartitioner: rememberingPartitioner } as const;

/**
 * A transactional (exactly-once) producer. The coordinator answers
 * CONCURRENT_TRANSACTIONS to the first AddPartitionsToTxn of a transaction
 * begun while it still writes the previous one's markers, which is every
 * transaction of a processor that commits back to back. kafkajs waits the
 * client's initial retry time (200 ms) before trying again; the Java client
 * waits 20 ms there (ADD_PARTITIONS_RETRY_BACKOFF_MS, KAFKA-5482). Measured on
 * a loaded two-core machine: a transaction of 60 records took 190 ms on
 * average with 200 ms, 60 ms with 20 ms. Retries stay unlimited, as kafkajs
 * gives an idempotent producer by default.
 */
export function transactionalProducer(kafka: Kafka, transactionalId: string, transactionTimeout: number): Producer {
  return kafka.producer({
    ...producerDefaults,
    transactionalId,
    idempotent: true,
    maxInFlightRequests: 1,
    transactionTimeout,
    retry: { initialRetryTime: 20, retries: Number.MAX_SAFE_INTEGER },
  });
}
