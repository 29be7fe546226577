/**
 * The API's side of commands: it writes requests (and cancellations) to
 * fleet.commands.v1, keyed by device, for the commands processor, and reads
 * what becomes of them from fleet.command-status.v1 into its view. A
 * synchronous call is a wait on that view. Kafka is reached in the
 * background: the API starts without it, and the command routes answer 503
 * COMMANDS_UNAVAILABLE until this replica is connected and has read the
 * statuses back.
 */
import { randomUUID } from 'node:crypto';
import type { Kafka, Producer } from 'kafkajs';
import { FleetstreamError } from '../../lib/errors';
import { producerDefaults } from '../../lib/kafka';
import type { Logger } from '../../lib/logger';
import { AvroCodec } from '../../schemas/avro-codec';
import { avroSchemas, valueSubject } from '../../schemas/avro-schemas';
import { commandLimits, commandRequestProblem } from '../../schemas/commands';
import { deviceKey } from '../../schemas/device-topics';
import type { RegistryClient } from '../../schemas/registry-client';
import { segmentProblem, type DeviceAddress } from '../../schemas/series-path';
import type { CommandRequest, CommandStatus } from '../../schemas/types';
import { CommandLimits, type CommandLimitOptions, type LimitDecision } from './command-limits';
import { CommandStatusFollower } from './command-status-follower';
import { CommandStatusView, type StatusListener } from './command-status-view';

export interface CommandsServiceConfig {
  kafka: Kafka;
  registryClient: RegistryClient;
  commandsTopic: string;
  commandStatusTopic: string;
  /** names this replica's status reader */
  instanceId: string;
  limits: CommandLimitOptions;
  /** how long finished commands stay readable */
  historyMs: number;
  /** how long a command this replica submitted is shown as SUBMITTED while the processor has not taken it */
  submittedMs: number;
  logger: Logger;
  now: () => number;
}

/** What a caller asks for in POST /v1/devices/<tenant>/<site>/<device>/commands. */
export interface CommandAsk {
  name: string;
  params: Record<string, unknown>;
  timeoutMs: number;
  persistent: boolean;
  ttlSeconds?: number;
}

export type Submission = { submitted: CommandRequest } | { refused: Extract<LimitDecision, { allowed: false }> };

/** How long to wait before trying Kafka again when the service could not start. */
const restartDelayMs = 5000;

export class CommandsService {
  readonly view: CommandStatusView;
  private readonly limits: CommandLimits;
  private readonly requestCodec: AvroCodec<CommandRequest>;
  private readonly statusCodec: AvroCodec<CommandStatus>;
  private producer: Producer | undefined;
  private follower: CommandStatusFollower | undefined;
  private connected = false;
  private problem = 'connecting to Kafka';
  private readonly stopping = new AbortController();
  private restartTimer: NodeJS.Timeout | undefined;
  private connecting: Promise<void> = Promise.resolve();
  private sweepTimer: NodeJS.Timeout | undefined;
  /** requests written by this replica that no status has come for yet */
  private readonly submitted = new Map<string, CommandRequest>();

  constructor(private readonly config: CommandsServiceConfig) {
    this.view = new CommandStatusView({ historyMs: config.historyMs, now: config.now, onApply: (status) => this.submitted.delete(status.id) });
    this.limits = new CommandLimits({ ...config.limits, clock: config.now });
    this.requestCodec = new AvroCodec(config.registryClient, valueSubject(config.commandsTopic), avroSchemas.CommandRequest);
    this.statusCodec = new AvroCodec(config.registryClient, valueSubject(config.commandStatusTopic), avroSchemas.CommandStatus);
  }

  /** Connects in the background, again and again until it is connected or stopped. */
  start(): void {
    this.sweepTimer = setInterval(() => this.sweep(), 60_000);
    this.connecting = this.connect();
  }

  /** Whether the command routes can be answered: connected, and the statuses read back. */
  get available(): boolean {
    return this.connected && (this.follower?.caughtUp ?? false);
  }

  /** What `/readyz` shows of the commands. */
  readiness(): Record<string, unknown> {
    return { commands: this.available ? 'ready' : this.connected ? 'reading command statuses back' : this.problem };
  }

  /** Throws COMMANDS_UNAVAILABLE unless the routes can be answered. */
  checkAvailable(): void {
    if (!this.available) {
      throw new FleetstreamError('COMMANDS_UNAVAILABLE', `commands cannot be taken by this replica now (${this.connected ? 'it is reading the command statuses back' : this.problem}); retry shortly`);
    }
  }

  /** Checks the limits and writes the command for the processor; what it was, or why it was refused. */
  async submit(device: DeviceAddress, ask: CommandAsk, caller: string): Promise<Submission> {
    this.checkAvailable();
    for (const [name, segment] of Object.entries(device)) {
      const problem = segmentProblem(name, segment);
      if (problem) throw new FleetstreamError('QUERY_INVALID', problem);
    }
    if (!ask.persistent && ask.ttlSeconds !== undefined) throw new FleetstreamError('QUERY_INVALID', 'ttlSeconds applies to persistent commands only: send "persistent": true with it');
    const request: CommandRequest = {
      id: randomUUID(),
      ...device,
      action: 'send',
      name: ask.name,
      params: JSON.stringify(ask.params),
      timeoutMs: ask.timeoutMs,
      persistent: ask.persistent,
      ttlSeconds: ask.persistent ? (ask.ttlSeconds ?? commandLimits.ttlSeconds.default) : null,
      caller,
      createdAt: this.config.now(),
    };
    const problem = commandRequestProblem(request);
    if (problem) throw new FleetstreamError('QUERY_INVALID', problem);
    const key = deviceKey(device);
    const pending = [...this.submitted.values()];
    const decision = this.limits.check(key, caller, {
      device: this.view.openOfDevice(key) + pending.filter((r) => deviceKey(r) === key).length,
      caller: this.view.openOfCaller(caller) + pending.filter((r) => r.caller === caller).length,
    });
    if (!decision.allowed) return { refused: decision };
    await this.write(request);
    if (!this.view.get(request.id)) this.submitted.set(request.id, request);
    return { submitted: request };
  }

  /** Asks the processor to cancel a queued command. */
  async cancel(status: CommandStatus, caller: string): Promise<void> {
    this.checkAvailable();
    const { id, tenant, site, device, name } = status;
    await this.write({ id, tenant, site, device, action: 'cancel', name, params: '{}', timeoutMs: status.timeoutMs, persistent: status.persistent, ttlSeconds: status.ttlSeconds, caller, createdAt: this.config.now() });
  }

  status(id: string): CommandStatus | undefined {
    return this.view.get(id);
  }

  /** A command this replica submitted and has no status of yet. */
  submittedRequest(id: string): CommandRequest | undefined {
    return this.submitted.get(id);
  }

  /**
   * The first status of command `id` (the one held, or the next) that `wanted`
   * accepts, or undefined after `timeoutMs` or once `signal` aborts.
   */
  waitFor(id: string, wanted: (status: CommandStatus) => boolean, timeoutMs: number, signal?: AbortSignal): Promise<CommandStatus | undefined> {
    const held = this.view.get(id);
    if (held && wanted(held)) return Promise.resolve(held);
    return new Promise((resolve) => {
      const finish = (status: CommandStatus | undefined) => {
        clearTimeout(timer);
        stop();
        signal?.removeEventListener('abort', aborted);
        resolve(status);
      };
      const aborted = () => finish(undefined);
      const stop = this.view.watch(id, (status) => wanted(status) && finish(status));
      const timer = setTimeout(() => finish(undefined), timeoutMs);
      signal?.addEventListener('abort', aborted);
      if (signal?.aborted) finish(undefined);
    });
  }

  watch(id: string, listener: StatusListener): () => void {
    return this.view.watch(id, listener);
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    clearTimeout(this.restartTimer);
    clearInterval(this.sweepTimer);
    // an attempt under way finishes first, so that nothing it opens outlives the stop
    await this.connecting;
    await this.disconnect();
  }

  private async disconnect(): Promise<void> {
    this.connected = false;
    await this.follower?.stop().catch(() => undefined);
    await this.producer?.disconnect().catch(() => undefined);
  }

  private async write(request: CommandRequest): Promise<void> {
    try {
      await this.producer!.send({ topic: this.config.commandsTopic, acks: -1, messages: [{ key: deviceKey(request), value: this.requestCodec.encode(request) }] });
    } catch (error) {
      throw new FleetstreamError('COMMANDS_UNAVAILABLE', `the command could not be written to Kafka (${(error as Error).message}); it was not sent: retry`, { cause: error });
    }
  }

  private async connect(): Promise<void> {
    const { config } = this;
    try {
      await Promise.all([this.requestCodec.register(), this.statusCodec.register()]);
      this.producer = config.kafka.producer({ ...producerDefaults, idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
      await this.producer.connect();
      this.follower = new CommandStatusFollower({ kafka: config.kafka, topic: config.commandStatusTopic, codec: this.statusCodec, view: this.view, groupIdPrefix: `fleetstream-query-api-${config.instanceId}`, logger: config.logger });
      await this.follower.start();
      if (this.stopping.signal.aborted) return;
      this.connected = true;
      config.logger.info({ event: 'commands_connected', commandsTopic: config.commandsTopic, statusTopic: config.commandStatusTopic }, 'commands connected to Kafka');
    } catch (error) {
      await this.disconnect();
      if (this.stopping.signal.aborted) return;
      this.problem = `Kafka or the schema registry could not be reached: ${(error as Error).message}`;
      config.logger.warn({ event: 'commands_unavailable', retryInMs: restartDelayMs, err: error }, 'commands cannot reach Kafka; trying again');
      this.restartTimer = setTimeout(() => {
        this.connecting = this.connect();
      }, restartDelayMs);
    }
  }

  private sweep(): void {
    this.view.sweep();
    const oldest = this.config.now() - this.config.submittedMs;
    for (const [id, request] of this.submitted) if (request.createdAt < oldest) this.submitted.delete(id);
  }
}
