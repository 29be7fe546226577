/**
 * Reads the alerts topic into `notification_alerts` (alert-store.ts): one
 * consumer group, every instance a member; the offsets that count are the
 * ones stored with the alarm states (lib/outbox-consumer.ts). A record that
 * does not decode is dead-lettered (`undecodable`) before its batch is
 * written, so a crash in between dead-letters it again rather than never.
 */
import type { Kafka, KafkaMessage, Producer } from 'kafkajs';
import type { Logger } from '../../lib/logger';
import { startSourceConsumer, type RunningSourceConsumer } from '../../lib/outbox-consumer';
import type { AvroCodec } from '../../schemas/avro-codec';
import { consumedRecordRejection, deadLetterMessage } from '../../schemas/dead-letter';
import type { AlertEvent, DeadLetter } from '../../schemas/types';
import type { AlertStore } from './alert-store';
import type { NotificationsMetrics } from './notifications-metrics';
import { changeOf, type AlertChange } from './tracked-alert';

export interface AlertIntakeConfig {
  kafka: Kafka;
  producer: Producer;
  store: AlertStore;
  codecs: { alert: AvroCodec<AlertEvent>; deadLetter: AvroCodec<DeadLetter> };
  alertsTopic: string;
  deadLetterTopic: string;
  groupId: string;
  fromBeginning: boolean;
  commitIntervalMs: number;
  fetchMaxWaitMs: number;
  logger: Logger;
  metrics: NotificationsMetrics;
}

type Decoded = { ok: true; change: AlertChange } | { ok: false; message: string };

export function startAlertIntake(config: AlertIntakeConfig): Promise<RunningSourceConsumer> {
  const { logger, metrics } = config;
  const decode = async (message: KafkaMessage): Promise<Decoded> => {
    if (message.value === null) return { ok: false, message: 'an alert event without a value (tombstone)' };
    try {
      return { ok: true, change: changeOf(await config.codecs.alert.decode(message.value)) };
    } catch (error) {
      // a registry that cannot be asked now is retried with the batch; a record that cannot be read is dead-lettered
      if ((error as { retriable?: boolean }).retriable === true) throw error;
      return { ok: false, message: (error as Error).message };
    }
  };

  const apply = async (topic: string, partition: number, messages: KafkaMessage[], acceptGap: boolean) => {
    const taken: { offset: string; decoded: Decoded; message: KafkaMessage }[] = [];
    for (const message of messages) taken.push({ offset: message.offset, decoded: await decode(message), message });
    const rejected = taken.filter((t) => !t.decoded.ok);
    if (rejected.length > 0) {
      await config.producer.send({
        topic: config.deadLetterTopic,
        acks: -1,
        messages: rejected.map((r) => {
          const { message } = r.decoded as Extract<Decoded, { ok: false }>;
          metrics.deadLetters.inc();
          logger.warn({ event: 'alert_event_dead_lettered', offset: r.offset, partition, detail: message }, 'an alert event does not decode: dead-lettered');
          return deadLetterMessage(config.codecs.deadLetter, consumedRecordRejection('notifications', 'undecodable', message, { topic, partition, message: r.message }, Date.now()));
        }),
      });
    }
    const batch = { topic, partition, firstOffset: messages[0]!.offset, lastOffset: messages.at(-1)!.offset, acceptGap };
    const outcome = await config.store.applyBatch(batch, (from) =>
      taken.flatMap((t) => (BigInt(t.offset) >= from && t.decoded.ok && t.decoded.change.kind !== 'none' ? [t.decoded.change] : [])),
    );
    metrics.alertChanges.inc(outcome.written);
    return outcome;
  };

  return startSourceConsumer({
    kafka: config.kafka,
    groupId: config.groupId,
    topics: [config.alertsTopic],
    partitionsConsumedConcurrently: 2,
    fromBeginning: config.fromBeginning,
    commitIntervalMs: config.commitIntervalMs,
    fetchMinBytes: 1,
    fetchMaxWaitMs: config.fetchMaxWaitMs,
    logger,
    metrics,
    apply,
  });
}
