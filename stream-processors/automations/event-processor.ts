/**
 * The event automations: one consumer group reads the event topics (the
 * readings, final rollups, alert events, command statuses and device
 * messages); the co-partitioned assignor gives partition p of every input to
 * one member, so one member counts a subject's dampening. Exactly once: the
 * handler requests a batch made, the dampening changelog of the subjects it
 * changed (partition for partition with the input), the dead letters and the
 * batch's offset go in one Kafka transaction, so a restart neither forgets
 * "two readings above 80 so far" nor fires again for an event it fired for
 * (and the execution ids are those of the event's topic, partition and
 * offset, so even a second send would carry the same ids). After a crash, or
 * when a partition is assigned, its dampening is read back before its next
 * batch.
 */
import type { Admin, Consumer, Kafka, KafkaMessage, Producer } from 'kafkajs';
import { FailingInputs } from '../../lib/failing-inputs';
import { transactionalProducer } from '../../lib/kafka';
import { commitTopicsTransaction, pushOutputs, type TopicOutputs } from '../../lib/kafka-transaction';
import type { Logger } from '../../lib/logger';
import { PartitionStates } from '../../lib/partition-states';
import { copartitionedCount, seekToCommitted } from '../../lib/processor-topics';
import { markerKey, readStateBack } from '../../lib/read-to-markers';
import { SerialSteps } from '../../lib/serial-steps';
import { startStateProcessorConsumer, type BatchOutcome } from '../../lib/state-processor-consumer';
import type { AvroCodec } from '../../schemas/avro-codec';
import { automationKey, seriesOfConditions } from '../../schemas/automation';
import { deadLetterMessage } from '../../schemas/dead-letter';
import type { DeadLetterReason } from '../../schemas/dead-letter-reason';
import type { DeadLetter, HandlerRequest } from '../../schemas/types';
import { eventDetails, eventValue, RejectedInput, type AutomationEvent, type EventBook, type EventKind } from './automation-events';
import type { AutomationsMetrics } from './automations-metrics';
import { conditionHolds } from './conditions';
import { dampen, initialDampening, isIdle, type DampeningState } from './dampening';
import { eventTrigger } from './execution-id';
import { handlerRequestsOf } from './handler-requests';
import type { LatestValues } from './latest-values';

/** Keys of restore markers in the state topic: no state key starts with NUL. */
const RESTORE_MARKER = '\u0000restore:';

/** A dampening state in the changelog: the automation's revision it counts for (another revision starts afresh). */
interface StoredDampening extends DampeningState {
  v: 1;
  revision: number;
}

type PartitionDampening = PartitionStates<StoredDampening>;
const newPartition = (): PartitionDampening => new PartitionStates<StoredDampening>(() => ({ v: 1, revision: 0, ...initialDampening() }), isIdle);

export interface EventInput {
  topic: string;
  kind: EventKind;
  /** the record's event, or undefined when it is none (a provisional rollup, an open command); throws for a record to dead-letter, a retriable error to consume it again */
  decode(value: Buffer): Promise<AutomationEvent | undefined>;
}

export interface EventProcessorConfig {
  kafka: Kafka;
  logger: Logger;
  metrics: AutomationsMetrics;
  now: () => number;
  inputs: EventInput[];
  stateTopic: string;
  requestsTopic: string;
  deadLetterTopic: string;
  groupId: string;
  transactionalId: string;
  restoreTimeoutMs: number;
  codecs: { request: AvroCodec<HandlerRequest>; deadLetter: AvroCodec<DeadLetter> };
  latest: LatestValues;
  book: EventBook;
}

type Decoded = { kind: 'event'; event: AutomationEvent } | { kind: 'none' } | { kind: 'rejected'; reason: DeadLetterReason; message: string };

export class EventProcessor {
  private readonly partitions = new Map<number, PartitionDampening>();
  private readonly resync = new Set<string>();
  private readonly failing: FailingInputs;
  private book: EventBook;
  private readonly steps = new SerialSteps();
  private consumer: Consumer | undefined;
  private producer: Producer | undefined;
  private admin: Admin | undefined;
  private running = false;
  private stopping = false;
  private readonly stopped = new AbortController();
  private fail: (error: Error) => void = () => undefined;
  readonly failed: Promise<Error>;

  constructor(private readonly config: EventProcessorConfig) {
    this.failing = new FailingInputs(config.logger);
    this.book = config.book;
    this.failed = new Promise((resolve) => (this.fail = resolve));
    void this.failed.then(() => (this.running = false));
  }

  get ready(): boolean {
    return this.running && this.failing.size === 0;
  }

  /** New automations, in force from the next batch on. */
  async setBook(book: EventBook): Promise<void> {
    await this.steps.run(async () => void (this.book = book));
  }

  async start(): Promise<void> {
    const { config } = this;
    const topics = config.inputs.map((i) => i.topic);
    this.admin = config.kafka.admin();
    await this.admin.connect();
    const partitions = await copartitionedCount(this.admin, [...topics, config.stateTopic], 'automations');
    this.producer = transactionalProducer(config.kafka, config.transactionalId, 30_000);
    await this.producer.connect();
    await startStateProcessorConsumer({
      kafka: config.kafka,
      groupId: config.groupId,
      topics,
      reads: (topic) => this.book.reads(config.inputs.find((i) => i.topic === topic)!.kind),
      steps: this.steps,
      stopped: this.stopped.signal,
      stopping: () => this.stopping,
      reassign: (assigned) => this.reassign(assigned),
      process: (topic, partition, messages) => this.processBatch(topic, partition, messages),
      created: (consumer) => (this.consumer = consumer),
      onStopped: (error) => this.fail(error),
      logger: config.logger,
      restoring: 'the dampening states',
    });
    this.running = true;
    config.logger.info({ event: 'event_automations_started', inputs: topics, state: config.stateTopic, partitions, automations: this.book.size }, 'event automations started');
  }

  async stop(): Promise<void> {
    this.running = false;
    this.stopping = true;
    this.stopped.abort();
    await this.consumer?.disconnect();
    await this.steps.idle();
    await this.producer?.disconnect();
    await this.admin?.disconnect();
  }

  private async processBatch(topic: string, partition: number, messages: KafkaMessage[]): Promise<BatchOutcome> {
    const { config } = this;
    const states = this.partitions.get(partition) ?? (await this.restore([partition])).get(partition)!;
    const where = `${topic}:${partition}`;
    if (this.resync.delete(where)) {
      await seekToCommitted(this.admin!, this.consumer!, config.groupId, topic, partition, config.logger);
      return 'skip';
    }
    const input = config.inputs.find((i) => i.topic === topic)!;
    const decoded = await this.failing.decode(this.consumer!, topic, partition, messages, () => this.decodeAll(input, messages));
    if (decoded === undefined) return 'retry';

    const outputs: TopicOutputs = new Map();
    const now = config.now();
    const matched = decoded.map((d) => (d.kind === 'event' ? this.book.matching(d.event) : []));
    let latest: Map<string, number>;
    try {
      latest = await config.latest(matched.flat().flatMap((a) => seriesOfConditions(a.conditions)));
    } catch (error) {
      config.logger.warn({ event: 'latest_values_failed', topic, partition, err: error }, 'the latest values the conditions read cannot be read now: consuming the batch again');
      this.consumer!.seek({ topic, partition, offset: messages[0]!.offset });
      return 'retry';
    }
    decoded.forEach((d, i) => {
      const message = messages[i]!;
      if (d.kind === 'rejected') return this.deadLetter(outputs, topic, partition, message, d, now);
      if (d.kind !== 'event') return;
      for (const automation of matched[i]!) {
        config.metrics.evaluations.inc();
        const holds = conditionHolds(automation.conditions, { eventValue: eventValue(automation.trigger, d.event), latest: (path) => latest.get(path) });
        let fire = holds;
        if (automation.dampening) {
          const key = `${automationKey(automation.tenant, automation.id)}\u0000${d.event.subject}`;
          const stored = states.get(key);
          const current = stored.revision === automation.revision ? stored : initialDampening();
          const step = dampen(automation.dampening, current, holds);
          states.stage(key, { v: 1, revision: automation.revision, ...step.state });
          fire = step.fire;
        }
        if (!fire) continue;
        const trigger = eventTrigger(topic, partition, message.offset);
        const details = { ...eventDetails(d.event), value: eventValue(automation.trigger, d.event) ?? null };
        const requests = handlerRequestsOf({ automation, trigger, firedAt: d.event.time, details }, now);
        pushOutputs(outputs, config.requestsTopic, requests.map((r) => ({ key: r.executionId, value: config.codecs.request.encode(r) })));
        config.metrics.fires.inc({ trigger: 'event' });
        config.metrics.requests.inc(requests.length);
        config.logger.info({ event: 'automation_fired', automation: automationKey(automation.tenant, automation.id), trigger, subject: d.event.subject }, 'automation fired');
      }
    });
    const changelog = states.changelog();
    if (outputs.size === 0 && changelog.length === 0) {
      // nothing to write: no transaction (lib/state-processor-consumer.ts)
      states.commit();
      return 'quiet';
    }
    pushOutputs(outputs, config.stateTopic, changelog.map((r) => ({ key: r.key, value: r.state ? Buffer.from(JSON.stringify(r.state)) : null, partition })));
    const next = (BigInt(messages[messages.length - 1]!.offset) + 1n).toString();
    const timer = config.metrics.transaction.startTimer();
    try {
      await commitTopicsTransaction({ producer: this.producer!, groupId: config.groupId, log: config.logger }, outputs, [{ topic, partitions: [{ partition, offset: next }] }]);
    } catch (error) {
      states.discard();
      // the commit may have gone through before it failed: read the states back, resume from the committed offset
      this.partitions.delete(partition);
      this.resync.add(where);
      config.logger.error({ event: 'transaction_failed', partition, err: error }, 'transaction failed: consuming again from the committed offset');
      if ((error as { retriable?: boolean }).retriable === false) throw error;
      return 'retry';
    } finally {
      timer();
    }
    states.commit();
    return 'done';
  }

  private deadLetter(outputs: TopicOutputs, topic: string, partition: number, message: KafkaMessage, rejected: { reason: DeadLetterReason; message: string }, now: number): void {
    this.config.metrics.deadLetters.inc();
    this.config.logger.warn({ event: 'input_dead_lettered', topic, partition, offset: message.offset, reason: rejected.reason, message: rejected.message }, 'an input record is no event: dead-lettered');
    pushOutputs(outputs, this.config.deadLetterTopic, [
      deadLetterMessage(this.config.codecs.deadLetter, {
        source: 'automations',
        reason: rejected.reason,
        message: rejected.message,
        payload: message.value ?? Buffer.alloc(0),
        sourceTopic: topic,
        headers: { partition: String(partition), offset: message.offset },
        time: now,
      }),
    ]);
  }

  private async decodeAll(input: EventInput, messages: KafkaMessage[]): Promise<Decoded[]> {
    // what no automation reads is not decoded (nor dead-lettered: other processors read the same records); such a topic is soon not fetched either
    if (!this.book.reads(input.kind)) return messages.map(() => ({ kind: 'none' }));
    const decoded: Decoded[] = [];
    for (const message of messages) {
      try {
        const event = await input.decode(message.value ?? Buffer.alloc(0));
        decoded.push(event ? { kind: 'event', event } : { kind: 'none' });
      } catch (error) {
        if ((error as { retriable?: boolean }).retriable === true) throw error;
        decoded.push({ kind: 'rejected', reason: error instanceof RejectedInput ? error.reason : 'undecodable', message: (error as Error).message });
      }
    }
    return decoded;
  }

  private async reassign(assignment: number[]): Promise<void> {
    const assigned = new Set(assignment);
    for (const partition of [...this.partitions.keys()]) if (!assigned.has(partition)) this.partitions.delete(partition);
    this.failing.keepAssigned(assigned);
    const missing = assignment.filter((p) => !this.partitions.has(p));
    if (missing.length > 0) await this.restore(missing);
    this.config.logger.info({ event: 'partitions_assigned', partitions: assignment }, 'partitions assigned');
  }

  private async restore(partitions: number[]): Promise<Map<number, PartitionDampening>> {
    const { config } = this;
    const restored = new Map(partitions.map((p) => [p, newPartition()]));
    await readStateBack(
      {
        kafka: config.kafka,
        admin: this.admin!,
        producer: this.producer!,
        topic: config.stateTopic,
        groupId: config.groupId,
        markerPrefix: RESTORE_MARKER,
        timeoutMs: config.restoreTimeoutMs,
        log: config.logger,
        component: 'automations',
        timeoutVariable: 'AUTOMATIONS_RESTORE_TIMEOUT',
        markers: (outputs, id, markerPartitions) => pushOutputs(outputs, config.stateTopic, markerPartitions.map((partition) => ({ key: markerKey(RESTORE_MARKER, partition), value: id, partition }))),
        onTimeout: (error) => this.fail(error),
      },
      partitions,
      (partition, key, value) => {
        const states = restored.get(partition)!;
        if (value === null) return states.restore(key, undefined);
        try {
          const stored = JSON.parse(value.toString('utf8')) as StoredDampening;
          if (stored?.v !== 1 || !Array.isArray(stored.outcomes)) throw new Error('not a dampening state of version 1');
          states.restore(key, stored);
        } catch (error) {
          config.logger.error({ event: 'dampening_state_unreadable', partition, key, err: error }, 'a stored dampening state does not read; its subject starts afresh');
        }
      },
    );
    for (const [partition, states] of restored) this.partitions.set(partition, states);
    config.logger.info({ event: 'dampening_restored', partitions }, 'dampening states read back from the state topic');
    return restored;
  }
}
