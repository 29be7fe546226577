/**
 * Reads the commands' statuses (fleet.command-status.v1, key = command id)
 * and finishes the executions that sent a command once it ends: SUCCEEDED
 * when the device answered so, FAILED for any other end (its state and
 * reason in the detail). Only the statuses of commands an open execution
 * awaits are decoded. Offsets are committed after each batch is recorded;
 * recording a status again changes nothing (only open executions move).
 */
import type { Consumer, Kafka } from 'kafkajs';
import { stoppedForGood } from '../../lib/consumer-stopped';
import type { Logger } from '../../lib/logger';
import type { AvroCodec } from '../../schemas/avro-codec';
import { isFinalCommandState } from '../../schemas/commands';
import type { CommandStatus } from '../../schemas/types';
import type { ExecutionStore } from './execution-store';

export interface CommandStatusConsumer {
  failed: Promise<Error>;
  ready(): boolean;
  stop(): Promise<void>;
}

export async function startCommandStatusConsumer(options: {
  kafka: Kafka;
  groupId: string;
  topic: string;
  fromBeginning: boolean;
  fetchMaxWaitMs: number;
  codec: AvroCodec<CommandStatus>;
  store: ExecutionStore;
  logger: Logger;
  onChange(): void;
}): Promise<CommandStatusConsumer> {
  const { store, codec, logger } = options;
  const consumer: Consumer = options.kafka.consumer({ groupId: options.groupId, sessionTimeout: 10_000, heartbeatInterval: 1000, maxWaitTimeInMs: options.fetchMaxWaitMs });
  const failed = stoppedForGood(consumer);
  let joined = false;
  consumer.on(consumer.events.GROUP_JOIN, () => (joined = true));
  await consumer.connect();
  await consumer.subscribe({ topics: [options.topic], fromBeginning: options.fromBeginning });
  await consumer.run({
    eachBatch: async ({ batch }) => {
      const keys = batch.messages.filter((m) => m.value !== null && m.key !== null).map((m) => m.key!.toString());
      const awaited = await store.openCommands(keys);
      if (awaited.size === 0) return;
      const finished: { commandId: string; state: 'SUCCEEDED' | 'FAILED'; detail: string }[] = [];
      for (const message of batch.messages) {
        if (message.value === null || message.key === null || !awaited.has(message.key.toString())) continue;
        let status: CommandStatus;
        try {
          status = await codec.decode(message.value);
        } catch (error) {
          if ((error as { retriable?: boolean }).retriable === true) throw error;
          logger.warn({ event: 'status_undecodable', offset: message.offset, err: error }, 'a command status could not be decoded; skipped');
          continue;
        }
        if (!isFinalCommandState(status.state)) continue;
        const detail = `command ${status.id} ${status.state}${status.reason ? ` (${status.reason})` : ''}${status.answer ? `: ${status.answer.toString('utf8', 0, 500)}` : ''}`;
        finished.push({ commandId: status.id, state: status.state === 'SUCCEEDED' ? 'SUCCEEDED' : 'FAILED', detail });
      }
      const ids = await store.finishCommands(finished);
      if (ids.length > 0) {
        logger.info({ event: 'executions_finished_by_status', executions: ids }, 'command statuses finished executions');
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
