/**
 * One broker the republisher publishes to (the platform's, or the bridge's
 * external one): a single MQTT 5 connection, so the messages of one topic
 * reach it in the order they were handed over; QoS 1, retained; at most
 * `maxInFlight` awaiting their PUBACK. At every connection, the first
 * included, `onConnect` runs (the restore of the stored state: a broker
 * restarted without persistence lost its retained messages). While a restore
 * runs, the order of what went out live on this connection is remembered, so
 * the restore never sends a stored message older than one already sent.
 */
import { EventEmitter, once } from 'node:events';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { FleetstreamError } from '../../lib/errors';
import type { Logger } from '../../lib/logger';
import { logMqttErrors, serviceClientOptions, type MqttSecurity } from '../../lib/mqtt-security';
import { PublishSlots } from './publish-slots';
import { compareOrder, underRoot, type MessageOrder } from './republish-messages';

export type TargetName = 'broker' | 'bridge';

export interface MqttTargetOptions {
  name: TargetName;
  url: string;
  security: MqttSecurity;
  clientId: string;
  /** The republish root, and the root this broker gets the topics under (the bridge's prefix; the same for the platform's). */
  root: string;
  targetRoot: string;
  /** The tenants this broker gets; undefined: all. */
  tenants?: ReadonlySet<string>;
  maxInFlight: number;
  logger: Logger;
  onConnectionChange(connected: boolean): void;
  onConnect(connection: number): void;
}

export interface OutgoingMessage {
  topic: string;
  tenant: string;
  payload: string;
  order: MessageOrder;
}

/** `published`; `refused` with the PUBACK's reason code (0x80 or more); `dropped`: the connection closed first (a restore sends it again). */
export type TargetOutcome = { published: true } | { published: false; reasonCode: number } | { dropped: true };

export class MqttTarget {
  private client: MqttClient | undefined;
  private readonly slots: PublishSlots;
  private readonly changes = new EventEmitter().setMaxListeners(0);
  /** Counts connections: a restore gives up once its connection is gone. */
  private connection = 0;
  /** What went out live on this connection while a restore runs, by broker topic. */
  private sentDuringRestore: Map<string, MessageOrder> | undefined;
  private stopping = false;

  constructor(private readonly options: MqttTargetOptions) {
    this.slots = new PublishSlots(options.maxInFlight);
  }

  get name(): TargetName {
    return this.options.name;
  }

  get connected(): boolean {
    return this.client?.connected ?? false;
  }

  /** Whether connection `n` is still the current one, and up. */
  current(n: number): boolean {
    return this.connection === n && this.connected;
  }

  wants(tenant: string): boolean {
    return this.options.tenants === undefined || this.options.tenants.has(tenant);
  }

  start(): void {
    const { logger, clientId } = this.options;
    // a clean session: nothing is subscribed, and what is unacknowledged mqtt.js sends again itself
    const options: IClientOptions = { ...serviceClientOptions(this.options.security, clientId), clean: true };
    const client = mqtt.connect(this.options.url, options);
    this.client = client;
    client.on('connect', () => {
      this.connection++;
      this.options.onConnectionChange(true);
      this.changes.emit('connect');
      logger.info({ event: 'mqtt_connected', target: this.name, clientId }, 'connected to the MQTT broker');
      this.options.onConnect(this.connection);
    });
    client.on('close', () => {
      this.options.onConnectionChange(false);
      this.changes.emit('close');
      if (!this.stopping) logger.warn({ event: 'mqtt_disconnected', target: this.name, clientId }, 'MQTT connection closed; reconnecting');
    });
    logMqttErrors(client, logger, clientId);
  }

  /** Resolves once connected; rejects with `signal`'s reason when it is aborted first. */
  async whenConnected(signal: AbortSignal): Promise<void> {
    while (!this.connected) {
      signal.throwIfAborted();
      await once(this.changes, 'connect', { signal }).catch(() => signal.throwIfAborted());
    }
  }

  /**
   * Publishes retained at QoS 1 and resolves on the PUBACK. `waitWhileDown`: a publication handed over
   * while the connection is down waits in the MQTT client and goes out after the reconnect; else it is
   * `dropped` at once, or when the connection closes before its PUBACK.
   */
  async publish(message: OutgoingMessage, waitWhileDown: boolean): Promise<TargetOutcome> {
    if (!waitWhileDown && !this.connected) return { dropped: true };
    await this.slots.acquire();
    try {
      const topic = this.brokerTopic(message.topic);
      const sent = this.sentDuringRestore;
      if (sent !== undefined) {
        const before = sent.get(topic);
        if (before === undefined || compareOrder(message.order, before) > 0) sent.set(topic, message.order);
      }
      return await this.send(topic, message.payload, waitWhileDown);
    } finally {
      this.slots.release();
    }
  }

  /**
   * Sends the stored messages `pages` yields on connection `n`, skipping what went out live meanwhile
   * with a newer order; stops when that connection is gone. Returns how many it sent.
   */
  async restore(n: number, pages: AsyncIterable<OutgoingMessage[]>): Promise<number> {
    this.sentDuringRestore = new Map();
    let sent = 0;
    try {
      for await (const page of pages) {
        if (!this.current(n)) break;
        const outcomes = page.map(async (message) => {
          await this.slots.acquire();
          try {
            const topic = this.brokerTopic(message.topic);
            const live = this.sentDuringRestore?.get(topic);
            if (live !== undefined && compareOrder(live, message.order) > 0) return;
            const outcome = await this.send(topic, message.payload, false);
            if ('published' in outcome && outcome.published) sent++;
          } finally {
            this.slots.release();
          }
        });
        await Promise.all(outcomes);
      }
    } finally {
      if (this.connection === n) this.sentDuringRestore = undefined;
    }
    return sent;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.client?.endAsync(true).catch(() => undefined);
  }

  private brokerTopic(topic: string): string {
    return this.options.root === this.options.targetRoot ? topic : underRoot(topic, this.options.root, this.options.targetRoot);
  }

  private async send(topic: string, payload: string, waitWhileDown: boolean): Promise<TargetOutcome> {
    const client = this.client;
    if (client === undefined) throw new FleetstreamError('MQTT_UNAVAILABLE', `the ${this.name} target is not started`);
    const publishing = client.publishAsync(topic, payload, { qos: 1, retain: true }).then(
      (): TargetOutcome => ({ published: true }),
      (error: unknown): TargetOutcome => {
        // mqtt.js rejects with the PUBACK's reason code as `code` when the broker refused the message
        const code = (error as { code?: unknown }).code;
        if (typeof code === 'number' && code >= 0x80) return { published: false, reasonCode: code };
        if (!waitWhileDown) return { dropped: true };
        throw new FleetstreamError('MQTT_UNAVAILABLE', `publishing to ${topic} did not complete: ${(error as Error).message}`, { cause: error });
      },
    );
    if (waitWhileDown) return publishing;
    const closed = new Promise<TargetOutcome>((resolve) => {
      const onClose = () => resolve({ dropped: true });
      this.changes.once('close', onClose);
      void publishing.finally(() => this.changes.off('close', onClose));
    });
    return Promise.race([publishing, closed]);
  }
}
