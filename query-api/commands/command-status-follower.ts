import { idleFetchWaitMs } from '../../lib/kafka';
/**
 * Reads fleet.command-status.v1 whole into a replica's view, from the
 * beginning and then as it grows. Every replica reads every partition, so
 * none takes part in a consumer group's sharing: kafkajs has no consumer
 * without a group, so each follower has a group of its own (a random id,
 * nothing committed, deleted when it stops). Caught up once it has read
 * every partition to where it ended when the follower started; until then
 * the replica does not answer for commands.
 */
import { randomUUID } from 'node:crypto';
import type { Admin, Consumer, Kafka } from 'kafkajs';
import type { Logger } from '../../lib/logger';
import { RetryAborted, retryUntilDone } from '../../lib/retry';
import type { AvroCodec } from '../../schemas/avro-codec';
import type { CommandStatus } from '../../schemas/types';
import type { CommandStatusView } from './command-status-view';

export interface FollowerConfig {
  kafka: Kafka;
  topic: string;
  codec: AvroCodec<CommandStatus>;
  view: CommandStatusView;
  /** the replica's name, in its group id */
  groupIdPrefix: string;
  logger: Logger;
}

/** Which partitions are read up to their end at start. Pure. */
export class CatchUp {
  private readonly behind: Map<number, bigint>;

  /** `ends`: each partition's offset after its last record (its high watermark) when reading started. */
  constructor(ends: readonly { partition: number; high: string; low: string }[]) {
    this.behind = new Map(ends.filter((e) => BigInt(e.high) > BigInt(e.low)).map((e) => [e.partition, BigInt(e.high)]));
  }

  /** A batch (control records included) of `partition` ended at `lastOffset`; true once every partition is read up to its end. */
  read(partition: number, lastOffset: string): boolean {
    const end = this.behind.get(partition);
    if (end !== undefined && BigInt(lastOffset) + 1n >= end) this.behind.delete(partition);
    return this.done;
  }

  get done(): boolean {
    return this.behind.size === 0;
  }
}

export class CommandStatusFollower {
  private consumer: Consumer | undefined;
  private admin: Admin | undefined;
  private readonly groupId: string;
  private catchUp: CatchUp | undefined;
  private readonly stopping = new AbortController();

  constructor(private readonly config: FollowerConfig) {
    this.groupId = `${config.groupIdPrefix}-${randomUUID()}`;
  }

  get caughtUp(): boolean {
    return this.catchUp?.done ?? false;
  }

  /** Starts reading; throws when the topic does not exist or Kafka cannot be reached. */
  async start(): Promise<void> {
    const { config } = this;
    this.admin = config.kafka.admin();
    await this.admin.connect();
    if (!(await this.admin.listTopics()).includes(config.topic)) throw new Error(`topic ${config.topic} does not exist: run \`fleetstream topics apply\``);
    this.catchUp = new CatchUp(await this.admin.fetchTopicOffsets(config.topic));
    this.consumer = config.kafka.consumer({ groupId: this.groupId, maxWaitTimeInMs: idleFetchWaitMs, readUncommitted: false, allowAutoTopicCreation: false });
    this.consumer.on(this.consumer.events.END_BATCH_PROCESS, (event) => {
      const wasDone = this.catchUp!.done;
      if (this.catchUp!.read(event.payload.partition, event.payload.lastOffset) && !wasDone) config.logger.info({ event: 'command_statuses_read', commands: config.view.size }, 'command statuses read back');
    });
    const onRetry = (error: unknown, attempt: number) => config.logger.warn({ event: 'retrying', what: 'command status decoding', attempt, err: error }, 'retrying');
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: config.topic, fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachMessage: async ({ message }) => {
        if (!message.value) return;
        const value = message.value;
        try {
          // the registry away for a while: wait for it rather than lose the status
          config.view.apply(await retryUntilDone(() => config.codec.decode(value), { signal: this.stopping.signal, onRetry }));
        } catch (error) {
          if (error instanceof RetryAborted) return;
          config.logger.warn({ event: 'command_status_unreadable', offset: message.offset, err: error }, 'a command status does not decode; skipped');
        }
      },
    });
    if (this.catchUp.done) config.logger.info({ event: 'command_statuses_read', commands: 0 }, 'command statuses read back');
  }

  async stop(): Promise<void> {
    if (this.stopping.signal.aborted) return;
    this.stopping.abort();
    await this.consumer?.disconnect();
    await this.admin?.deleteGroups([this.groupId]).catch(() => undefined);
    await this.admin?.disconnect();
  }
}
