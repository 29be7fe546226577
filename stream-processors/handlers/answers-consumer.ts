/**
 * Reads the answers that finish executions waiting for one, and finishes
 * those executions: a command's final status (fleet.command-status.v1, for
 * device_command and forward_payload to a command) and a shadow update's
 * result (fleet.shadow-results.v1, for set_desired and forward_payload to the
 * desired state). `answerOf` says what a record means for the execution that
 * awaits its id, or that it is no end yet. Offsets are committed after each
 * batch is recorded; recording an answer again changes nothing (only open
 * executions move).
 */
import type { Consumer, Kafka, KafkaMessage } from 'kafkajs';
import { stoppedForGood } from '../../lib/consumer-stopped';
import type { Logger } from '../../lib/logger';
import type { AvroCodec } from '../../schemas/avro-codec';
import { isFinalCommandState } from '../../schemas/commands';
import type { CommandStatus, ShadowResult } from '../../schemas/types';
import type { AwaitedAnswer, ExecutionStore } from './execution-store';

export interface AnswersConsumer {
  failed: Promise<Error>;
  ready(): boolean;
  stop(): Promise<void>;
}

/** A command's status: its end, or undefined while it is not over. Keyed by the command id. */
export function commandAnswer(status: CommandStatus): AwaitedAnswer | undefined {
  if (!isFinalCommandState(status.state)) return undefined;
  const detail = `command ${status.id} ${status.state}${status.reason ? ` (${status.reason})` : ''}${status.answer ? `: ${status.answer.toString('utf8', 0, 500)}` : ''}`;
  return { id: status.id, state: status.state === 'SUCCEEDED' ? 'SUCCEEDED' : 'FAILED', detail };
}

/** A shadow update's result: accepted (the shadow's new version) or rejected (its code and reason). */
export function shadowAnswer(result: ShadowResult): AwaitedAnswer {
  if (result.accepted) return { id: result.requestId, state: 'SUCCEEDED', detail: `shadow request ${result.requestId} accepted: version ${result.version}` };
  return { id: result.requestId, state: 'FAILED', detail: `shadow request ${result.requestId} rejected: ${result.code} ${result.error ?? ''}${result.message ? ` (${result.message})` : ''}`.trim() };
}

export async function startAnswersConsumer<T>(options: {
  kafka: Kafka;
  groupId: string;
  topic: string;
  /** The records' keys are the awaited ids: only the records an open execution awaits are decoded. */
  keyedById: boolean;
  fromBeginning: boolean;
  fetchMaxWaitMs: number;
  codec: AvroCodec<T>;
  answerOf(record: T): AwaitedAnswer | undefined;
  store: ExecutionStore;
  logger: Logger;
  onChange(): void;
}): Promise<AnswersConsumer> {
  const { store, codec, logger } = options;
  const consumer: Consumer = options.kafka.consumer({ groupId: options.groupId, sessionTimeout: 10_000, heartbeatInterval: 1000, maxWaitTimeInMs: options.fetchMaxWaitMs });
  const failed = stoppedForGood(consumer);
  let joined = false;
  consumer.on(consumer.events.GROUP_JOIN, () => (joined = true));
  await consumer.connect();
  await consumer.subscribe({ topics: [options.topic], fromBeginning: options.fromBeginning });
  await consumer.run({
    eachBatch: async ({ batch }) => {
      let messages: KafkaMessage[] = batch.messages.filter((m) => m.value !== null);
      if (options.keyedById) {
        const awaited = await store.openAwaited(messages.flatMap((m) => (m.key === null ? [] : [m.key.toString()])));
        messages = messages.filter((m) => m.key !== null && awaited.has(m.key.toString()));
      }
      const answers: AwaitedAnswer[] = [];
      for (const message of messages) {
        let record: T;
        try {
          record = await codec.decode(message.value!);
        } catch (error) {
          if ((error as { retriable?: boolean }).retriable === true) throw error;
          logger.warn({ event: 'answer_undecodable', topic: options.topic, offset: message.offset, err: error }, 'an answer could not be decoded; skipped');
          continue;
        }
        const answer = options.answerOf(record);
        if (answer) answers.push(answer);
      }
      const ids = await store.finishAwaited(answers);
      if (ids.length > 0) {
        logger.info({ event: 'executions_finished_by_answer', topic: options.topic, executions: ids }, 'answers finished executions');
        options.onChange();
      }
    },
  });
  return {
    failed,
    ready: () => joined,
    stop: () => consumer.disconnect(),
  };
}
