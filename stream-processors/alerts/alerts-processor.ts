/**
 * The alerts processor: the one evaluator of every (rule, series). A consumer
 * group reads the raw readings and the rollup topics, all partitioned by
 * series path; the co-partitioned assignor gives partition p of every input
 * to one member, so one member owns a series (as the rollups do). Exactly
 * once: the alert events a batch made, the state changelog of the pairs it
 * changed (partition for partition with the input), the dead letters and the
 * batch's offset go in one Kafka transaction, so a restart neither resets a
 * hold time nor repeats a transition. After a crash, or when a partition is
 * assigned, its states are read back from the changelog before its next
 * batch, and consumption resumes at the committed offsets.
 *
 * No-data checks run every `noDataCheckIntervalMs`, in a transaction of
 * their own (events and changelog, no offsets). A series' silence is
 * measured against its input's clock, the wall time through which every
 * stage behind the input has read everything (input-completeness.ts), not
 * against now: a stage that lags or stops, or this processor catching up,
 * stops the clock instead of making every series look silent, and the
 * member holding partition 0 raises a pipeline-stale alert per tenant and
 * input while the lag is `pipelineStaleAfterMs` or more (pipeline-stale.ts).
 */
import type { Admin, Consumer, Kafka, KafkaMessage, Producer } from 'kafkajs';
import { FailingInputs } from '../../lib/failing-inputs';
import { transactionalProducer } from '../../lib/kafka';
import { commitTopicsTransaction, type TopicOffsets, type TopicOutputs } from '../../lib/kafka-transaction';
import type { Logger } from '../../lib/logger';
import { copartitionedCount, seekToCommitted } from '../../lib/processor-topics';
import { readStateBack } from '../../lib/read-to-markers';
import { SerialSteps } from '../../lib/serial-steps';
import { startStateProcessorConsumer, type BatchOutcome } from '../../lib/state-processor-consumer';
import type { Measurement, Rollup } from '../../schemas/types';
import { ALERTS_RESTORE_MARKER, decodeState, type AlertRecords } from './alert-records';
import { checkNoData, evaluateReading, initialAlertState, isIdle, retireState, type AlertState, type AlertTransition } from './alert-state';
import type { AlertsMetrics } from './alerts-metrics';
import type { SeriesStanding } from './expected-series';
import { InputCompleteness, type TopicReader } from './input-completeness';
import { partitionForKey } from '../../lib/key-partition';
import { PartitionAlerts, parseStateKey, stateKey } from './partition-alerts';
import { inputName, readersOf, type PipelineTopology } from './pipeline-readers';
import { parsePipelineStalePath, PIPELINE_STALE_RULE_ID, pipelineStalePath, pipelineStaleRule, pipelineStaleSubjects } from './pipeline-stale';
import { ruleKey } from './rule-changes';
import type { RuleBook, RuleSample } from './rule-book';

export interface AlertsProcessorConfig {
  kafka: Kafka;
  logger: Logger;
  metrics: AlertsMetrics;
  now: () => number;
  measurementsTopic: string;
  /** rollup topic per resolution */
  rollupTopics: Map<string, string>;
  stateTopic: string;
  groupId: string;
  transactionalId: string;
  restoreTimeoutMs: number;
  noDataCheckIntervalMs: number;
  /** a lag of the pipeline behind an input from which its pipeline-stale alert fires */
  pipelineStaleAfterMs: number;
  /** the rollups processor's stages, whose groups' progress the rollup inputs' clocks follow */
  rollupsResolutions: readonly string[];
  rollupsGroupIdPrefix: string;
  records: AlertRecords;
  rules: RuleBook;
  decodeMeasurement(value: Buffer): Promise<Measurement>;
  decodeRollup(topic: string, value: Buffer): Promise<Rollup>;
}

/** What one input record is for the rules: their samples, or a record to dead-letter. */
type DecodedInput = { kind: 'samples'; path: string; samples: RuleSample[] } | { kind: 'provisional' } | { kind: 'rejected'; message: string };

export class AlertsProcessor {
  private readonly partitions = new Map<number, PartitionAlerts>();
  private assigned = new Set<number>();
  /** `topic:partition` whose position must be taken anew from the group's committed offset: its last transaction failed, and may have committed. */
  private readonly resync = new Set<string>();
  /** Partitions waiting to decode their input again: the processor is unready while there are any. */
  private readonly failing: FailingInputs;
  private inputPartitions = 0;
  private rules: RuleBook;
  /** the series of registered devices (expected-series.ts), by path */
  private expected = new Map<string, SeriesStanding>();
  /** their active ones' paths, by input partition: the no-data check goes over those of the partitions held */
  private expectedByPartition = new Map<number, string[]>();
  /** per input (`raw`, each resolution read), the consumer groups behind it (pipeline-readers.ts), this processor first */
  private readonly inputReaders: Map<string, TopicReader[]>;
  /** Batches, restores, no-data checks and rule changes, one at a time: they share the states and the transactional producer. */
  private readonly steps = new SerialSteps();
  private consumer: Consumer | undefined;
  private producer: Producer | undefined;
  private admin: Admin | undefined;
  private noDataTimer: NodeJS.Timeout | undefined;
  private readonly completeness = new InputCompleteness();
  /** when the processor started: an input none of whose samples its readers have reached lags since then */
  private startedAt = 0;
  private running = false;
  private stopping = false;
  private readonly stopped = new AbortController();
  private fail: (error: Error) => void = () => undefined;
  /** Settles when the processor stopped working for good: its consumer stopped, or a restore did not finish in time. */
  readonly failed: Promise<Error>;

  constructor(private readonly config: AlertsProcessorConfig) {
    this.failing = new FailingInputs(config.logger);
    const topology: PipelineTopology = {
      alertsGroupId: config.groupId,
      measurementsTopic: config.measurementsTopic,
      rollupTopic: (resolution) => config.rollupTopics.get(resolution) ?? '',
      rollupsResolutions: config.rollupsResolutions,
      rollupsGroupIdPrefix: config.rollupsGroupIdPrefix,
    };
    this.inputReaders = new Map(['raw', ...config.rollupTopics.keys()].map((name) => [name, readersOf(name, topology)]));
    this.rules = config.rules;
    this.failed = new Promise((resolve) => (this.fail = resolve));
    void this.failed.then((error) => {
      this.running = false;
      config.logger.error({ event: 'alerts_stopped', err: error }, 'the alerts processor stopped working after an error it cannot retry');
    });
  }

  get ready(): boolean {
    return this.running && this.failing.size === 0;
  }

  private get inputTopics(): string[] {
    return [this.config.measurementsTopic, ...this.config.rollupTopics.values()];
  }

  /**
   * New rules, in force from the next batch on. The open episodes of removed
   * rules, and of rules that no longer select their series, are ended
   * (retireState), one transaction per partition; should one fail, the old
   * rules stay and the next refresh tries again.
   */
  async setRules(rules: RuleBook): Promise<void> {
    await this.steps.run(async () => {
      const previous = this.rules;
      const now = this.config.now();
      for (const [partition, alerts] of [...this.partitions]) {
        const outputs: TopicOutputs = new Map();
        for (const [key, state] of alerts.entries()) {
          const subject = parseStateKey(key);
          // removed, or no longer selecting the series (its patterns or tags, or the device's tags, changed)
          const removed = subject && !rules.rulesOf(subject.path).some((b) => b.key === subject.ruleKey) && previous.get(subject.ruleKey);
          if (!subject || !removed || isIdle(state)) continue;
          const step = retireState(state);
          alerts.stage(key, step.state);
          this.config.records.events(outputs, partition, removed, subject.path, step.transitions, now);
          this.countTransitions(step.transitions);
        }
        if (outputs.size > 0 && !(await this.commit(outputs, alerts, partition, []))) return;
      }
      this.rules = rules;
    });
  }

  /** The series of registered devices, in force from the next no-data check. */
  setExpectedSeries(expected: Map<string, SeriesStanding>): void {
    this.expected = expected;
    this.expectedByPartition = new Map();
    for (const [path, standing] of expected) {
      if (!standing.active) continue;
      const partition = partitionForKey(path, this.inputPartitions);
      const paths = this.expectedByPartition.get(partition);
      if (paths) paths.push(path);
      else this.expectedByPartition.set(partition, [path]);
    }
  }

  async start(): Promise<void> {
    const { config } = this;
    this.admin = config.kafka.admin();
    await this.admin.connect();
    this.inputPartitions = await this.checkPartitions();
    this.producer = transactionalProducer(config.kafka, config.transactionalId, 30_000);
    await this.producer.connect();
    await startStateProcessorConsumer({
      kafka: config.kafka,
      groupId: config.groupId,
      topics: this.inputTopics,
      // a fetch waits for 64 KiB (or idleFetchWaitMs): every fetched batch is a Kafka transaction, and with kafkajs's
      // default of one byte the processor, rules or none, cost 0.09 to 0.18 of a core at 1,000 readings/s in the
      // end-to-end benchmark; an alert waits at most that second longer
      minBytes: 64 * 1024,
      reads: (topic) => this.reads(topic),
      steps: this.steps,
      stopped: this.stopped.signal,
      stopping: () => this.stopping,
      reassign: (partitions) => this.reassign(partitions),
      process: (topic, partition, messages) => this.processBatch(topic, partition, messages),
      created: (consumer) => (this.consumer = consumer),
      onStopped: (error) => this.fail(error),
      logger: config.logger,
      restoring: 'the alert states',
    });
    this.startedAt = config.now();
    this.noDataTimer = setInterval(() => {
      void this.steps.run(() => this.checkInputs()).catch((error: unknown) => config.logger.error({ event: 'no_data_check_failed', err: error }, 'the no-data check failed; it runs again at its next interval'));
    }, config.noDataCheckIntervalMs);
    this.running = true;
    config.logger.info({ event: 'alerts_started', inputs: this.inputTopics, state: config.stateTopic, partitions: this.inputPartitions, rules: this.rules.size }, 'alerts processor started');
  }

  async stop(): Promise<void> {
    this.running = false;
    this.stopping = true;
    this.stopped.abort();
    clearInterval(this.noDataTimer);
    await this.consumer?.disconnect();
    await this.steps.idle();
    await this.producer?.disconnect();
    await this.admin?.disconnect();
  }

  /** The inputs and the state topic must have as many partitions: partition p of each holds the same series. */
  private async checkPartitions(): Promise<number> {
    return copartitionedCount(this.admin!, [...this.inputTopics, this.config.stateTopic], 'alerts');
  }

  /** Evaluates a batch and commits it, with its offset, in one transaction; `quiet`: it changed nothing, no transaction; `retry`: consumed again later; `skip`: the partition was sought elsewhere. */
  private async processBatch(topic: string, partition: number, messages: KafkaMessage[]): Promise<BatchOutcome> {
    const { config } = this;
    const alerts = this.partitions.get(partition) ?? (await this.restore([partition])).get(partition)!;
    const where = `${topic}:${partition}`;
    if (this.resync.delete(where)) {
      await this.seekToCommitted(topic, partition);
      return 'skip';
    }
    const inputs = await this.failing.decode(this.consumer!, topic, partition, messages, () => this.decodeAll(topic, messages));
    if (inputs === undefined) return 'retry';

    const outputs: TopicOutputs = new Map();
    const now = config.now();
    inputs.forEach((input, i) => {
      if (input.kind === 'provisional') config.metrics.provisional.inc();
      else if (input.kind === 'rejected') config.records.deadLetter(outputs, { topic, partition, message: messages[i]! }, input.message, now);
      else this.evaluate(outputs, alerts, partition, input.path, input.samples, now);
    });
    if (outputs.size === 0 && alerts.changelog().length === 0) {
      // nothing to write: no transaction (lib/state-processor-consumer.ts)
      alerts.commit();
      this.updateStateMetrics();
      return 'quiet';
    }
    const next = (BigInt(messages[messages.length - 1]!.offset) + 1n).toString();
    const committed = await this.commit(outputs, alerts, partition, [{ topic, partitions: [{ partition, offset: next }] }]);
    if (!committed) {
      this.resync.add(where);
      return 'retry';
    }
    return 'done';
  }

  private evaluate(outputs: TopicOutputs, alerts: PartitionAlerts, partition: number, path: string, samples: readonly RuleSample[], now: number): void {
    const { metrics, records } = this.config;
    for (const { key, rule, sample } of samples) {
      const stateKeyOf = stateKey(key, path);
      const step = evaluateReading(rule, { ruleKey: key, path }, alerts.get(stateKeyOf), sample);
      metrics.evaluations.inc({ reads: rule.reads.kind });
      if (step.outcome === 'late') {
        metrics.late.inc();
        continue;
      }
      alerts.stage(stateKeyOf, step.state);
      records.events(outputs, partition, rule, path, step.transitions, now);
      this.countTransitions(step.transitions);
    }
  }

  /** Sends the outputs and the staged changelog with `consumed` in one transaction; false when it failed (the partition's states are read back before its next batch). */
  private async commit(outputs: TopicOutputs, alerts: PartitionAlerts, partition: number, consumed: TopicOffsets[]): Promise<boolean> {
    const { config } = this;
    config.records.changelog(outputs, partition, alerts.changelog());
    const timer = config.metrics.transaction.startTimer();
    try {
      await commitTopicsTransaction({ producer: this.producer!, groupId: config.groupId, log: config.logger }, outputs, consumed);
    } catch (error) {
      alerts.discard();
      config.metrics.transactionsFailed.inc();
      // the commit may have gone through before it failed: read the states back, resume from the committed offset
      this.partitions.delete(partition);
      config.logger.error({ event: 'transaction_failed', partition, err: error }, 'transaction failed: consuming again from the committed offset');
      if ((error as { retriable?: boolean }).retriable === false) throw error;
      return false;
    } finally {
      timer();
    }
    alerts.commit();
    this.updateStateMetrics();
    return true;
  }

  private countTransitions(transitions: readonly AlertTransition[]): void {
    for (const t of transitions) this.config.metrics.transitions.inc({ transition: t.kind, severity: t.to === 'normal' ? 'none' : (t.severity ?? 'none') });
  }

  private updateStateMetrics(): void {
    let active = 0;
    let pairs = 0;
    for (const alerts of this.partitions.values()) {
      active += alerts.active;
      pairs += alerts.size;
    }
    this.config.metrics.states.set(active);
    this.config.metrics.pairs.set(pairs);
  }

  /** Whether a rule reads `topic`'s records now (raw readings, or one resolution's rollups). */
  private reads(topic: string): boolean {
    if (topic === this.config.measurementsTopic) return this.rules.reads('raw');
    const resolution = [...this.config.rollupTopics].find(([, t]) => t === topic)?.[0] ?? '';
    return this.rules.reads({ resolution });
  }

  private async decodeAll(topic: string, messages: KafkaMessage[]): Promise<DecodedInput[]> {
    const raw = topic === this.config.measurementsTopic;
    // what no rule reads is not decoded (nor dead-lettered: the rollups processor reads the same records); such a topic is soon not fetched either
    if (!this.reads(topic)) return messages.map(() => ({ kind: 'samples', path: '', samples: [] }));
    const inputs: DecodedInput[] = [];
    for (const message of messages) {
      try {
        const value = message.value ?? Buffer.alloc(0);
        if (raw) {
          const measurement = await this.config.decodeMeasurement(value);
          inputs.push({ kind: 'samples', path: measurement.path, samples: this.rules.readingSamples(measurement) });
        } else {
          const rollup = await this.config.decodeRollup(topic, value);
          inputs.push(rollup.final ? { kind: 'samples', path: rollup.path, samples: this.rules.rollupSamples(rollup) } : { kind: 'provisional' });
        }
      } catch (error) {
        if ((error as { retriable?: boolean }).retriable === true) throw error;
        inputs.push({ kind: 'rejected', message: (error as Error).message });
      }
    }
    return inputs;
  }

  /**
   * Reads the clock of every input, then opens no_data alerts for the series
   * of the partitions held whose newest reading is older than their rule's
   * noData.after at their input's clock, one transaction per partition, and,
   * holding partition 0, evaluates the pipeline-stale alerts.
   */
  private async checkInputs(): Promise<void> {
    if (this.stopping || this.partitions.size === 0) return;
    const now = this.config.now();
    const clocks = await this.inputClocks(now);
    for (const [partition, alerts] of [...this.partitions]) {
      const outputs: TopicOutputs = new Map();
      for (const [key, state] of [...alerts.entries(), ...this.unheardPairs(partition, alerts)]) {
        const subject = parseStateKey(key);
        const rule = subject && this.rules.get(subject.ruleKey);
        const clock = rule?.noData && clocks.get(inputName(rule.reads))?.[partition];
        // a disabled or revoked device is not expected to report
        if (!subject || !rule || !clock || this.expected.get(subject.path)?.active === false) continue;
        const step = checkNoData(rule, subject, state, clock);
        if (step.transitions.length === 0) continue;
        alerts.stage(key, step.state);
        this.config.records.events(outputs, partition, rule, subject.path, step.transitions, now);
        this.countTransitions(step.transitions);
      }
      if (outputs.size > 0) await this.commit(outputs, alerts, partition, []);
    }
    const first = this.partitions.get(0);
    if (first) await this.checkPipelineStale(first, clocks, now);
  }

  /**
   * The pairs of no-data rules and registered active series of `partition`
   * that hold no state (not seen since the processor started, or never seen
   * by it), each with the state it would have had with the series'
   * last_seen as its newest reading: checked, it opens the no-data alert of
   * a device that died while the processor was down. Only a pair that opens
   * one is kept: a state held would take older readings for late ones.
   */
  private *unheardPairs(partition: number, alerts: PartitionAlerts): Generator<[string, AlertState]> {
    for (const path of this.expectedByPartition.get(partition) ?? []) {
      for (const { key, rule } of this.rules.rulesOf(path)) {
        const pair = stateKey(key, path);
        if (rule.noData && !alerts.has(pair)) yield [pair, { ...initialAlertState(), lastTime: this.expected.get(path)!.lastSeen }];
      }
    }
  }

  /** Per input (`raw`, each resolution read), per partition: the wall time through which every reader behind it has read everything, or undefined. */
  private async inputClocks(now: number): Promise<Map<string, (number | undefined)[]>> {
    const { config } = this;
    const readers = [...new Map([...this.inputReaders.values()].flat().map((r) => [`${r.groupId}\u0000${r.topic}`, r])).values()];
    // the committed offsets first, then the ends: a reader past an end sampled now has read all produced before now,
    // and a stage's commit seen now is in its output topic by the ends sampled now (input-completeness.ts)
    const committed = new Map<string, bigint>();
    for (const groupId of new Set(readers.map((r) => r.groupId))) {
      const topics = [...new Set(readers.filter((r) => r.groupId === groupId).map((r) => r.topic))];
      for (const { topic, partitions } of await this.admin!.fetchOffsets({ groupId, topics })) {
        for (const p of partitions) committed.set(`${groupId}\u0000${topic}\u0000${p.partition}`, BigInt(p.offset));
      }
    }
    for (const topic of new Set(readers.map((r) => r.topic))) {
      const ends = await this.admin!.fetchTopicOffsets(topic);
      this.completeness.sampleEnds(topic, new Map(ends.map((p) => [p.partition, BigInt(p.high)])), now);
    }
    for (const reader of readers) {
      for (let p = 0; p < this.inputPartitions; p++) this.completeness.observe(reader, p, committed.get(`${reader.groupId}\u0000${reader.topic}\u0000${p}`), now);
    }
    const clocks = new Map<string, (number | undefined)[]>();
    for (const [name, inputReaders] of this.inputReaders) {
      const perPartition = Array.from({ length: this.inputPartitions }, (_, p) => this.completeness.clock(inputReaders, p));
      clocks.set(name, perPartition);
      config.metrics.inputLag.set({ input: name }, (now - Math.min(...perPartition.map((t) => t ?? this.startedAt))) / 1000);
    }
    return clocks;
  }

  /** Fires or resolves the pipeline-stale alert of each tenant with a no-data rule on an input, by the input's lag; its states live in partition 0. */
  private async checkPipelineStale(alerts: PartitionAlerts, clocks: Map<string, (number | undefined)[]>, now: number): Promise<void> {
    const open = [...alerts.entries()].flatMap(([key, state]) => {
      const subject = parseStateKey(key);
      const stale = subject?.ruleKey.endsWith(`/${PIPELINE_STALE_RULE_ID}`) && state.status !== 'normal' ? parsePipelineStalePath(subject.path) : undefined;
      return stale ? [stale] : [];
    });
    const outputs: TopicOutputs = new Map();
    for (const { tenant, input, needed } of pipelineStaleSubjects(this.rules.noDataTenants(), open)) {
      const perPartition = clocks.get(input);
      const lagMs = needed && perPartition ? now - Math.min(...perPartition.map((t) => t ?? this.startedAt)) : 0;
      const rule = pipelineStaleRule(tenant, input, this.config.pipelineStaleAfterMs);
      const subject = { ruleKey: ruleKey(tenant, PIPELINE_STALE_RULE_ID), path: pipelineStalePath(tenant, input) };
      const key = stateKey(subject.ruleKey, subject.path);
      const step = evaluateReading(rule, subject, alerts.get(key), { time: now, value: lagMs / 1000 });
      if (step.outcome === 'late') continue;
      alerts.stage(key, step.state);
      this.config.records.events(outputs, 0, rule, subject.path, step.transitions, now);
      this.countTransitions(step.transitions);
    }
    if (outputs.size > 0 || alerts.changelog().length > 0) await this.commit(outputs, alerts, 0, []);
    else alerts.discard();
  }

  private async seekToCommitted(topic: string, partition: number): Promise<void> {
    await seekToCommitted(this.admin!, this.consumer!, this.config.groupId, topic, partition, this.config.logger);
  }

  private async reassign(assignment: number[]): Promise<void> {
    this.assigned = new Set(assignment);
    for (const partition of [...this.partitions.keys()]) if (!this.assigned.has(partition)) this.partitions.delete(partition);
    this.failing.keepAssigned(this.assigned);
    const missing = assignment.filter((p) => !this.partitions.has(p));
    if (missing.length > 0) await this.restore(missing);
    this.updateStateMetrics();
    this.config.logger.info({ event: 'partitions_assigned', partitions: assignment }, 'partitions assigned');
  }

  /** Reads the states of `partitions` back from the state topic; past the restore timeout the processor fails. */
  private async restore(partitions: number[]): Promise<Map<number, PartitionAlerts>> {
    const { config } = this;
    const restored = new Map(partitions.map((p) => [p, new PartitionAlerts()]));
    let unreadable = 0;
    await readStateBack(
      {
        kafka: config.kafka,
        admin: this.admin!,
        producer: this.producer!,
        topic: config.stateTopic,
        groupId: config.groupId,
        markerPrefix: ALERTS_RESTORE_MARKER,
        timeoutMs: config.restoreTimeoutMs,
        log: config.logger,
        component: 'alerts',
        timeoutVariable: 'ALERTS_RESTORE_TIMEOUT',
        markers: (outputs, id, markerPartitions) => config.records.markers(outputs, id, markerPartitions),
        onTimeout: (error) => this.fail(error),
      },
      partitions,
      (partition, key, value) => {
        const alerts = restored.get(partition)!;
        if (value === null) return alerts.restore(key, undefined);
        try {
          alerts.restore(key, decodeState(value));
        } catch (error) {
          // one record that does not read must not stop the partition; its pair starts again from normal
          unreadable++;
          config.logger.error({ event: 'alert_state_unreadable', partition, key, err: error }, 'a stored alert state does not read; its pair starts afresh');
        }
      },
    );
    for (const [partition, alerts] of restored) {
      this.partitions.set(partition, alerts);
      config.metrics.restores.inc();
    }
    config.logger.info({ event: 'alert_states_restored', partitions, active: [...restored.values()].reduce((n, a) => n + a.active, 0), unreadable }, 'alert states read back from the state topic');
    return restored;
  }
}
