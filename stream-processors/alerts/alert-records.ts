/**
 * The Kafka records of what the alerts processor did: alert events (keyed by
 * series path, partitioned as the inputs), the state changelog (to the
 * partition of the input partition, so that a restore of partition p reads
 * exactly the pairs of input partition p), dead letters and restore markers.
 * Builds messages only; the processor sends them in one transaction with the
 * consumed offsets.
 */
import type { KafkaMessage } from 'kafkajs';
import { pushOutputs, type TopicOutputs } from '../../lib/kafka-transaction';
import { markerKey } from '../../lib/read-to-markers';
import type { AvroCodec } from '../../schemas/avro-codec';
import { deadLetterMessage } from '../../schemas/dead-letter';
import type { AlertEvent, DeadLetter } from '../../schemas/types';
import { describeInput, type AlertRule } from '../../schemas/alert-rule';
import type { AlertState, AlertTransition } from './alert-state';

/** Keys of restore markers in the state topic (`<this><partition>`): no state key starts with NUL. */
export const ALERTS_RESTORE_MARKER = '\u0000restore:';

/** The changelog's value: the state as JSON, with a version for the day its shape changes. */
interface StoredState {
  v: 1;
  state: AlertState;
}

export function encodeState(state: AlertState): Buffer {
  return Buffer.from(JSON.stringify({ v: 1, state } satisfies StoredState));
}

export function decodeState(value: Buffer): AlertState {
  const stored = JSON.parse(value.toString('utf8')) as StoredState;
  if (stored?.v !== 1 || typeof stored.state?.status !== 'string') throw new Error(`not an alert state of version 1: ${value.toString('utf8').slice(0, 100)}`);
  return stored.state;
}

export interface AlertTopics {
  alertsTopic: string;
  stateTopic: string;
  deadLetterTopic: string;
}

export class AlertRecords {
  constructor(
    private readonly topics: AlertTopics,
    private readonly codecs: { event: AvroCodec<AlertEvent>; deadLetter: AvroCodec<DeadLetter> },
  ) {}

  events(outputs: TopicOutputs, partition: number, rule: AlertRule, path: string, transitions: readonly AlertTransition[], now: number): void {
    pushOutputs(
      outputs,
      this.topics.alertsTopic,
      transitions.map((t) => {
        const event: AlertEvent = {
          alarmId: t.alarmId,
          tenant: rule.tenant,
          ruleId: rule.id,
          path,
          transition: t.kind,
          from: t.from,
          to: t.to,
          severity: t.severity,
          previousSeverity: t.previousSeverity,
          value: t.value,
          reads: describeInput(rule.reads),
          eventTime: t.at,
          episodeStart: t.episodeStart,
          labels: rule.labels,
          emittedAt: now,
        };
        return { key: path, value: this.codecs.event.encode(event), partition };
      }),
    );
  }

  changelog(outputs: TopicOutputs, partition: number, records: readonly { key: string; state: AlertState | null }[]): void {
    pushOutputs(outputs, this.topics.stateTopic, records.map((r) => ({ key: r.key, value: r.state ? encodeState(r.state) : null, partition })));
  }

  deadLetter(outputs: TopicOutputs, source: { topic: string; partition: number; message: KafkaMessage }, text: string, now: number): void {
    pushOutputs(outputs, this.topics.deadLetterTopic, [
      deadLetterMessage(this.codecs.deadLetter, {
        source: 'alerts',
        reason: 'undecodable',
        message: text,
        payload: source.message.value ?? Buffer.alloc(0),
        sourceTopic: source.topic,
        headers: { partition: String(source.partition), offset: source.message.offset },
        time: now,
      }),
    ]);
  }

  /** Restore markers, one per partition, the read's id as their value: see lib/read-to-markers.ts. */
  markers(outputs: TopicOutputs, id: string, partitions: readonly number[]): void {
    pushOutputs(outputs, this.topics.stateTopic, partitions.map((partition) => ({ key: markerKey(ALERTS_RESTORE_MARKER, partition), value: id, partition })));
  }
}
