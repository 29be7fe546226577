/**
 * The commands processor on Kafka: the one writer of each device's commands.
 * A consumer group reads the command requests and the device messages, both
 * keyed by device, with the co-partitioned assignor, so partition p of both
 * (every record about a device) reaches one member, which keeps the state of
 * partition p's devices.
 *
 * Exactly once from the processor's side: every batch of input is applied in
 * one Kafka transaction that writes the status records, the cmd/req downlink
 * messages, the state it changed (a compacted changelog, partition for
 * partition with the inputs) and the consumed offsets. The partitions' batches
 * are consumed concurrently and committed together (lib/group-commit.ts): the
 * batches that come while a transaction is in flight go in the next one. After kill -9, state
 * is restored from the changelog and consumption resumes at the committed
 * offsets: a command sent in a committed transaction is SENT in the restored
 * state and never sent again, one whose transaction was aborted was never
 * visible (readers of the downlink read committed). Timers are the deadlines
 * of the restored state, fired through the same transactions.
 *
 * The two inputs are fetched independently, so records of one device are
 * applied in order within each topic, not across them (as Kafka Streams does
 * with max.task.idle.ms = 0): a status published a moment before a command
 * may be read after it, and a command that is not persistent then fails
 * offline. Persistent commands are not affected.
 *
 * Why a changelog and not the status topic: presence is per device and lives
 * in no other compacted topic, and the status topic is keyed by command id, so
 * a partition's devices would be scattered over all of it; the changelog holds
 * exactly partition p's devices in partition p.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { HEARTBEAT_INTERVAL_MS, heartbeatWhile } from '../../lib/heartbeat-while';
import type { Admin, Consumer, Kafka, KafkaMessage, Producer } from 'kafkajs';
import { formatDuration } from '../../lib/duration';
import { FleetstreamError } from '../../lib/errors';
import { readToMarkers } from '../../lib/read-to-markers';
import { stoppedForGood } from '../../lib/consumer-stopped';
import { CopartitionedAssigner } from '../../lib/copartitioned-assigner';
import { transactionalProducer, idleFetchWaitMs } from '../../lib/kafka';
import { GroupCommit } from '../../lib/group-commit';
import { commitTopicsTransaction, type TopicOffsets, type TopicOutputs } from '../../lib/kafka-transaction';
import type { Logger } from '../../lib/logger';
import { ensureChangelog, partitionCount } from '../../lib/processor-topics';
import { SerialSteps } from '../../lib/serial-steps';
import { commandStateTopic } from '../../schemas/topics';
import type { CommandRequest, DeviceMessage } from '../../schemas/types';
import { CommandStateReader, RESTORE_MARKER } from './command-changelog';
import { deviceMessageInput, requestInput, type CommandInput } from './command-input';
import type { CommandRecords } from './command-records';
import type { CommandsMetrics } from './commands-metrics';
import { noEffects, type DeviceLimits, type Effects } from './device-commands';
import { PartitionCommands } from './partition-commands';

export interface ProcessorConfig {
  name: string;
  commandsTopic: string;
  deviceMessagesTopic: string;
  changelogTopic: string;
  groupId: string;
  transactionalId: string;
  limits: DeviceLimits;
  timerIntervalMs: number;
  /** How long an `online` of a device on HTTP lasts. */
  httpPresenceMs: number;
  restoreTimeoutMs: number;
  records: CommandRecords;
  /** Decoders of the two inputs; an error with `retriable: true` (the schema registry away) has the batch consumed again later. */
  decodeRequest(value: Buffer): Promise<CommandRequest>;
  decodeDeviceMessage(value: Buffer): Promise<DeviceMessage>;
  kafka: Kafka;
  logger: Logger;
  metrics: CommandsMetrics;
  now: () => number;
}

/** How long a batch that could not be decoded or committed for now waits before it is consumed again. */
const retryDelayMs = 1000;

type Decoded = { input: CommandInput } | { undecodable: string };

export class CommandsProcessor {
  private readonly partitions = new Map<number, PartitionCommands>();
  private assigned = new Set<number>();
  /** changes of the state (batches applied, timers, restores), one at a time */
  private readonly steps = new SerialSteps();
  private readonly commits: GroupCommit;
  private consumer: Consumer | undefined;
  private producer: Producer | undefined;
  private admin: Admin | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private stopping = false;
  private readonly stopped = new AbortController();
  private readonly log: Logger;
  private fail: (error: Error) => void = () => undefined;
  /** Settles when the processor stopped working for good: its consumer stopped, or its state could not be restored in time. */
  readonly failed: Promise<Error>;

  constructor(private readonly config: ProcessorConfig) {
    this.log = config.logger;
    // a transaction that failed leaves the state ahead of what was committed: every partition is read back before its next use
    this.commits = new GroupCommit(
      (outputs, consumed) => this.transact(outputs, consumed),
      () => this.partitions.clear(),
    );
    this.failed = new Promise((resolve) => (this.fail = resolve));
    void this.failed.then((error) => {
      this.running = false;
      this.log.error({ event: 'processor_stopped', err: error }, 'the commands processor stopped working after an error it cannot retry');
    });
  }

  get ready(): boolean {
    return this.running;
  }

  async start(): Promise<void> {
    const { config } = this;
    this.admin = config.kafka.admin();
    await this.admin.connect();
    const partitions = await partitionCount(this.admin, config.commandsTopic);
    const messagePartitions = await partitionCount(this.admin, config.deviceMessagesTopic);
    if (messagePartitions !== partitions) {
      throw new Error(
        `${config.commandsTopic} has ${partitions} partitions and ${config.deviceMessagesTopic} ${messagePartitions}: a device's requests and messages must meet in one partition number; run \`fleetstream topics apply --partitions N\``,
      );
    }
    await ensureChangelog(this.admin, commandStateTopic(config.changelogTopic, partitions), config.commandsTopic, this.log);

    this.producer = transactionalProducer(config.kafka, config.transactionalId, 30_000);
    await this.producer.connect();
    this.consumer = config.kafka.consumer({
      groupId: config.groupId,
      partitionAssigners: [CopartitionedAssigner],
      maxWaitTimeInMs: idleFetchWaitMs,
      sessionTimeout: 10_000,
      heartbeatInterval: HEARTBEAT_INTERVAL_MS,
      readUncommitted: false,
    });
    await this.consumer.connect();
    void stoppedForGood(this.consumer).then((error) => this.fail(error));
    this.consumer.on(this.consumer.events.GROUP_JOIN, (event) => {
      const assignment = new Set([...(event.payload.memberAssignment[config.commandsTopic] ?? []), ...(event.payload.memberAssignment[config.deviceMessagesTopic] ?? [])]);
      void this.steps.run(() => this.reassign([...assignment].sort((a, b) => a - b))).catch((error: unknown) => this.log.error({ event: 'reassign_failed', err: error }, 'restoring state failed'));
    });
    await this.consumer.subscribe({ topics: [config.commandsTopic, config.deviceMessagesTopic], fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      // every partition of both inputs at once: their batches share transactions
      partitionsConsumedConcurrently: 2 * partitions,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
        if (this.stopping || !isRunning() || isStale() || batch.messages.length === 0) return;
        // waiting its turn behind a commit or a restore, the member still heartbeats
        if (await heartbeatWhile(heartbeat, () => this.processBatch(batch.topic, batch.partition, batch.messages))) resolveOffset(batch.lastOffset());
        else await delay(retryDelayMs, undefined, { signal: this.stopped.signal }).catch(() => undefined);
        await heartbeat();
      },
    });
    this.running = true;
    this.timer = setInterval(() => void this.steps.run(() => this.fireTimers()).catch((error: unknown) => this.log.warn({ event: 'timers_failed', err: error }, 'firing timers failed')), config.timerIntervalMs);
    this.log.info({ event: 'processor_started', inputs: [config.commandsTopic, config.deviceMessagesTopic], partitions }, 'commands processor started');
  }

  async stop(): Promise<void> {
    this.running = false;
    this.stopping = true;
    this.stopped.abort();
    clearInterval(this.timer);
    await this.consumer?.disconnect();
    await this.steps.idle();
    await this.commits.idle();
    await this.producer?.disconnect();
    await this.admin?.disconnect();
  }

  /**
   * Applies a batch and commits it, with its offsets, in a transaction. False
   * when it was not applied (a record could not be decoded for now, or the
   * transaction failed: the state is then read back from the changelog): its
   * partition is sought back to the batch's start.
   */
  private async processBatch(topic: string, partition: number, messages: KafkaMessage[]): Promise<boolean> {
    const first = messages[0]!.offset;
    const seekBack = () => this.consumer!.seek({ topic, partition, offset: first });
    let effects: Effects;
    try {
      const decoded = await this.decodeAll(topic, messages);
      const applied = await this.steps.run(async () => {
        const state = await this.stateOf(partition);
        const outputs: TopicOutputs = new Map();
        const changed = noEffects();
        const now = this.config.now();
        decoded.forEach((d, i) => this.apply(state, d, now, changed, outputs, { message: messages[i]!, topic, partition }));
        this.record(outputs, partition, state, changed);
        return { outputs, effects: changed };
      });
      effects = applied.effects;
      const next = (BigInt(messages[messages.length - 1]!.offset) + 1n).toString();
      await this.commits.add({ outputs: applied.outputs, consumed: { topic, partition, offset: next } });
    } catch (error) {
      // what cannot be retried (a producer fenced by another instance with this transactional id) stops the consumer
      if ((error as { retriable?: boolean }).retriable !== true && (error as { type?: string }).type !== 'CONCURRENT_TRANSACTIONS') throw error;
      seekBack();
      this.log.warn({ event: 'input_retried', topic, partition, offset: first, err: error }, 'input not applied for now: consuming it again');
      return false;
    }
    this.counted(effects);
    return true;
  }

  private async decodeAll(topic: string, messages: KafkaMessage[]): Promise<Decoded[]> {
    const decoded: Decoded[] = [];
    for (const message of messages) {
      try {
        const value = message.value ?? Buffer.alloc(0);
        decoded.push({ input: topic === this.config.commandsTopic ? requestInput(await this.config.decodeRequest(value)) : deviceMessageInput(await this.config.decodeDeviceMessage(value)) });
      } catch (error) {
        if ((error as { retriable?: boolean }).retriable === true) throw error;
        decoded.push({ undecodable: (error as Error).message });
      }
    }
    return decoded;
  }

  private apply(state: PartitionCommands, decoded: Decoded, now: number, effects: Effects, outputs: TopicOutputs, where: { message: KafkaMessage; topic: string; partition: number }): void {
    const { records, metrics } = this.config;
    if ('undecodable' in decoded) {
      metrics.inputs.inc({ input: 'undecodable' });
      records.deadLetter(outputs, where.message, where.topic, where.partition, 'undecodable', decoded.undecodable);
      return;
    }
    const { input } = decoded;
    metrics.inputs.inc({ input: input.kind === 'invalid' ? input.reason : input.kind });
    switch (input.kind) {
      case 'invalid':
        records.deadLetter(outputs, where.message, where.topic, where.partition, input.reason, input.message);
        return;
      case 'other':
        return;
      case 'request':
        return state.apply(input.device, (c) => c.request(input.request, now, effects));
      case 'cancel':
        return state.apply(input.device, (c) => c.cancel(input.id, input.by, now, effects));
      case 'presence':
        return state.apply(input.device, (c) => c.presenceChanged(input.online, input.at, now, effects, input.transport === 'http' ? this.config.httpPresenceMs : undefined));
      case 'ack':
        return state.apply(input.device, (c) => c.ack(input.id, now, effects));
      case 'result':
        return state.apply(input.device, (c) => c.result(input.id, input.status, input.body, now, effects));
    }
  }

  private record(outputs: TopicOutputs, partition: number, state: PartitionCommands, effects: Effects): void {
    const { records } = this.config;
    records.statuses(outputs, effects.statuses);
    records.sends(outputs, effects.sends);
    records.changelog(outputs, partition, state.takeChanges());
  }

  /** Finishes what is past its deadline on every assigned partition; committed with the next transaction. */
  private async fireTimers(): Promise<void> {
    if (!this.running) return;
    const now = this.config.now();
    const outputs: TopicOutputs = new Map();
    const effects = noEffects();
    for (const partition of this.assigned) {
      const state = await this.stateOf(partition);
      const deadline = state.nextDeadline();
      if (deadline === undefined || deadline > now) continue;
      state.expire(now, effects);
      this.record(outputs, partition, state, effects);
    }
    if (outputs.size === 0) return;
    // not awaited: the batches applied meanwhile join the same transaction; a failure drops the state (GroupCommit)
    void this.commits.add({ outputs }).then(
      () => this.counted(effects),
      (error: unknown) => this.log.warn({ event: 'timers_not_committed', err: error }, 'the timers fired are fired again from the state read back'),
    );
  }

  private async transact(outputs: TopicOutputs, consumed: TopicOffsets[]): Promise<void> {
    const { config } = this;
    const timer = config.metrics.transaction.startTimer();
    try {
      await commitTopicsTransaction({ producer: this.producer!, groupId: config.groupId, log: this.log }, outputs, consumed);
    } catch (error) {
      config.metrics.transactionsFailed.inc();
      this.log.error({ event: 'transaction_failed', err: error }, 'transaction failed: its inputs are consumed again, the state read back');
      throw error;
    } finally {
      timer();
    }
  }

  /** Metrics of what a committed transaction did. */
  private counted(effects: Effects): void {
    const { metrics } = this.config;
    for (const status of effects.statuses) metrics.statuses.inc({ state: status.state });
    metrics.sent.inc(effects.sends.length);
    for (const reason of effects.ignored) metrics.ignored.inc({ reason });
    let open = 0;
    let devices = 0;
    for (const state of this.partitions.values()) {
      open += state.openCount;
      devices += state.deviceCount;
    }
    metrics.open.set(open);
    metrics.devices.set(devices);
  }

  private async stateOf(partition: number): Promise<PartitionCommands> {
    return this.partitions.get(partition) ?? (await this.restore([partition])).get(partition)!;
  }

  private async reassign(assignment: number[]): Promise<void> {
    this.assigned = new Set(assignment);
    for (const partition of [...this.partitions.keys()]) if (!this.assigned.has(partition)) this.partitions.delete(partition);
    const missing = assignment.filter((p) => !this.partitions.has(p));
    if (missing.length > 0) await this.restore(missing);
    this.log.info({ event: 'partitions_assigned', partitions: assignment }, 'partitions assigned');
  }

  /** Reads the state of `partitions` back from the changelog; a restore past its deadline fails the processor. */
  private async restore(partitions: number[]): Promise<Map<number, PartitionCommands>> {
    const { config } = this;
    const readers = new Map(partitions.map((p) => [p, new CommandStateReader()]));
    try {
      await readToMarkers(
        {
          kafka: config.kafka,
          admin: this.admin!,
          topic: config.changelogTopic,
          groupId: config.groupId,
          markerPrefix: RESTORE_MARKER,
          timeoutMs: config.restoreTimeoutMs,
          timeout: () =>
            new FleetstreamError(
              'STATE_RESTORE_TIMEOUT',
              `${config.name}: reading partitions ${partitions.join(',')} of ${config.changelogTopic} back took longer than ${formatDuration(config.restoreTimeoutMs)}; check that the topic's partitions have leaders, or raise COMMANDS_RESTORE_TIMEOUT`,
            ),
          writeMarkers: async (id, markerPartitions) => {
            const outputs: TopicOutputs = new Map();
            config.records.restoreMarkers(outputs, id, markerPartitions);
            await this.commits.add({ outputs });
          },
        },
        partitions,
        (partition, key, value) => readers.get(partition)!.read(key, value),
      );
    } catch (error) {
      if ((error as { code?: string }).code === 'STATE_RESTORE_TIMEOUT') this.fail(error as Error);
      throw error;
    }
    const restored = new Map<number, PartitionCommands>();
    for (const [partition, reader] of readers) {
      const state = new PartitionCommands(config.limits);
      reader.restoreInto(state);
      this.partitions.set(partition, state);
      restored.set(partition, state);
      config.metrics.restores.inc();
    }
    this.log.info({ event: 'state_restored', partitions, devices: [...restored.values()].reduce((n, s) => n + s.deviceCount, 0), open: [...restored.values()].reduce((n, s) => n + s.openCount, 0) }, 'state restored from the changelog');
    return restored;
  }
}
