import { Kafka, logLevel, Partitioners, type KafkaConfig, type LogEntry } from 'kafkajs';
import type { Logger } from './logger';

const pinoLevel: Record<logLevel, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.NOTHING]: 'error',
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

export interface KafkaClientOptions {
  brokers: string[];
  clientId: string;
  logger: Logger;
  /** Overrides for kafkajs's retry policy (tests shorten it to see failures fast). */
  retry?: KafkaConfig['retry'];
}

/** A kafkajs client whose log lines go through the component's pino logger. */
export function createKafka(options: KafkaClientOptions): Kafka {
  const logger = options.logger.child({ lib: 'kafkajs' });
  return new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
    connectionTimeout: 3000,
    retry: options.retry ?? { initialRetryTime: 200, retries: 8, maxRetryTime: 10000 },
    // kafkajs logs a rebalance or a coordinator hiccup at ERROR; WARN keeps the signal.
    logLevel: logLevel.WARN,
    logCreator: () => (entry: LogEntry) => {
      const { message, ...extra } = entry.log;
      logger[pinoLevel[entry.level]]({ namespace: entry.namespace, ...extra }, message);
    },
  });
}

/**
 * Options every producer gets: the Java client's murmur2 partitioner, so a key
 * lands in the same partition whichever client wrote it.
 */
export const producerDefaults = { createPartitioner: Partitioners.DefaultPartitioner } as const;
