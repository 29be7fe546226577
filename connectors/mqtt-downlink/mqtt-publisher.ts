import { EventEmitter, once } from 'node:events';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { FleetstreamError } from '../../lib/errors';
import type { Logger } from '../../lib/logger';
import { logMqttErrors, serviceClientOptions, type MqttSecurity } from '../../lib/mqtt-security';

/**
 * The downlink's MQTT side: `connections` MQTT 5 clients of its service
 * account, each device always on the same one (`connectionFor`), so that one
 * device's messages are never spread over connections whose order the broker
 * does not keep between them. A publication waits while its connection is
 * down and goes out once it is back; a QoS 1 one resolves on the broker's
 * PUBACK (mqtt.js sends it again after a reconnect until acknowledged).
 */
export interface MqttPublisherOptions {
  /** without credentials: those are in `security` (lib/mqtt-security.ts) */
  url: string;
  security: MqttSecurity;
  clientIdPrefix: string;
  connections: number;
  logger: Logger;
  onConnectionChange(connected: number): void;
  /** Makes a connection's client; default `mqtt.connect(url, options)`. */
  createClient?: (options: IClientOptions) => MqttClient;
}

export interface PublishRequest {
  topic: string;
  payload: Buffer;
  qos: 0 | 1;
  retain: boolean;
  /** MQTT 5 message expiry interval, seconds; none: the message does not expire */
  messageExpiryInterval?: number;
}

/** `published`, or the PUBACK's reason code of 0x80 or more: the broker refused it (not authorised, quota, topic). */
export type PublishOutcome = { published: true } | { published: false; reasonCode: number };

export class MqttPublisher {
  private readonly clients: MqttClient[] = [];
  private readonly changes = new EventEmitter().setMaxListeners(0);
  private stopping = false;

  constructor(private readonly options: MqttPublisherOptions) {}

  get connected(): number {
    return this.clients.filter((c) => c.connected).length;
  }

  start(): void {
    for (let i = 0; i < this.options.connections; i++) this.clients.push(this.connect(i));
  }

  /** The connection of a device: the same one for as long as the number of connections stays. */
  connectionFor(device: string): number {
    // FNV-1a: cheap, and spreads similar names
    let hash = 0x811c9dc5;
    for (let i = 0; i < device.length; i++) hash = Math.imul(hash ^ device.charCodeAt(i), 0x01000193);
    return (hash >>> 0) % this.options.connections;
  }

  /** Resolves once connection `index` is up; rejects with `signal`'s reason when it is aborted first. */
  async whenConnected(index: number, signal: AbortSignal): Promise<void> {
    while (!this.clients[index]!.connected) {
      signal.throwIfAborted();
      await once(this.changes, 'connect', { signal }).catch(() => signal.throwIfAborted());
    }
  }

  /**
   * Publishes on connection `index` (call `whenConnected` first). Throws MQTT_UNAVAILABLE when the
   * connection was replaced (`reset`) or closed before the PUBACK: the caller publishes again.
   */
  async publish(index: number, request: PublishRequest): Promise<PublishOutcome> {
    const { topic, payload, qos, retain, messageExpiryInterval } = request;
    const properties = messageExpiryInterval === undefined ? undefined : { messageExpiryInterval };
    try {
      await this.clients[index]!.publishAsync(topic, payload, { qos, retain, properties });
      return { published: true };
    } catch (error) {
      // mqtt.js rejects with the PUBACK's reason code as `code` when the broker refused the message
      const code = (error as { code?: unknown }).code;
      if (typeof code === 'number' && code >= 0x80) return { published: false, reasonCode: code };
      throw new FleetstreamError('MQTT_UNAVAILABLE', `publishing to ${topic} did not complete: ${(error as Error).message}`, { cause: error });
    }
  }

  /**
   * Replaces connection `index` with a new client, dropping what the old one still held unacknowledged
   * (its publications reject with MQTT_UNAVAILABLE): nothing handed to it goes out later.
   */
  reset(index: number): void {
    const old = this.clients[index]!;
    this.options.logger.warn({ event: 'mqtt_connection_reset', clientId: old.options.clientId }, 'dropping what the connection holds unacknowledged, and connecting anew');
    void old.endAsync(true).catch(() => undefined);
    this.clients[index] = this.connect(index);
  }

  /** Disconnects at once: what was not acknowledged is left to the next run (its offsets were not committed). */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.clients.map((client) => client.endAsync(true).catch(() => undefined)));
  }

  private connect(index: number): MqttClient {
    const { logger } = this.options;
    const clientId = `${this.options.clientIdPrefix}-${index}`;
    // a publisher keeps nothing at the broker: what is unacknowledged, mqtt.js sends again itself
    const options: IClientOptions = { ...serviceClientOptions(this.options.security, clientId), clean: true };
    const client = this.options.createClient?.(options) ?? mqtt.connect(this.options.url, options);
    const current = () => this.clients[index] === client;
    client.on('connect', () => {
      if (!current()) return;
      this.options.onConnectionChange(this.connected);
      this.changes.emit('connect');
      logger.info({ event: 'mqtt_connected', clientId }, 'connected to the MQTT broker');
    });
    client.on('close', () => {
      if (!current()) return;
      this.options.onConnectionChange(this.connected);
      if (!this.stopping) logger.warn({ event: 'mqtt_disconnected', clientId }, 'MQTT connection closed; reconnecting, publications wait');
    });
    logMqttErrors(client, logger, clientId);
    return client;
  }
}
