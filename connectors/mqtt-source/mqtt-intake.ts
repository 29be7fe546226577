import mqtt, { MqttClient, type IClientOptions } from 'mqtt';
import { FleetstreamError } from '../../lib/errors';
import type { Logger } from '../../lib/logger';
import { logMqttErrors, serviceClientOptions, type MqttSecurity } from '../../lib/mqtt-security';

/**
 * The connector's MQTT side: `connections` clients in one MQTT 5 shared
 * subscription, each with a persistent session. A QoS 1 message is
 * acknowledged (PUBACK) only when `onMessage` resolved, that is, once Kafka has
 * it, in the order the connection received the messages (MQTT 4.6). Each
 * connection has up to `inFlightPerConnection` messages un-acknowledged: it
 * asks for that as its MQTT 5 receive maximum, and enforces it itself by not
 * reading on while it has that many (HeldPubacks), since Mosquitto before
 * 2.0.13 (Debian 12's 2.0.11) stops honouring a client's receive maximum once
 * PUBACKs flow (eclipse/mosquitto#2301, fixed by #2306): measured on 2.0.11, a
 * receive maximum of 10 saw up to 246 messages un-acknowledged, and the
 * connector held 700,000 in memory while Kafka lagged. The broker keeps what
 * is not read in its session meanwhile.
 */
export interface MqttIntakeOptions {
  /** without credentials: those are in `security` (lib/mqtt-security.ts) */
  url: string;
  security: MqttSecurity;
  /** e.g. `$share/fleetstream/fleet/+/+/+/up`, made in one SUBSCRIBE */
  subscriptions: string[];
  clientIdPrefix: string;
  connections: number;
  inFlightPerConnection: number;
  sessionExpirySeconds: number;
  logger: Logger;
  onMessage(topic: string, payload: Buffer, qos: number): Promise<void>;
  onConnectionChange(connected: number): void;
  /** Broker-wide received-PUBLISH counter from `$SYS`, when the broker has one. */
  onBrokerReceived(total: number): void;
  /** Makes a connection's client; default `mqtt.connect(url, options)` (tests give it an in-memory stream). */
  createClient?: (options: IClientOptions) => MqttClient;
}

const brokerReceivedTopic = '$SYS/broker/publish/messages/received';

export class MqttIntake {
  private clients: MqttClient[] = [];
  private stopping = false;

  constructor(private readonly options: MqttIntakeOptions) {}

  get connected(): number {
    return this.clients.filter((c) => c.connected).length;
  }

  start(): void {
    // before any connection: with the method HeldPubacks wraps gone, mqtt.js would acknowledge messages before Kafka has them
    if (typeof (MqttClient.prototype as unknown as { _sendPacket?: unknown })._sendPacket !== 'function') {
      throw new FleetstreamError(
        'DEPENDENCY_INCOMPATIBLE',
        'the installed mqtt.js has no MqttClient._sendPacket, which the connector wraps to hold PUBACKs until Kafka has the message: install the version package.json pins (npm ci)',
      );
    }
    for (let i = 0; i < this.options.connections; i++) this.clients.push(this.connect(i));
  }

  /** Disconnects without acknowledging what is in flight: the broker redelivers it. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.clients.map((client) => client.endAsync(true)));
    this.clients = [];
  }

  private connect(index: number): MqttClient {
    const { logger } = this.options;
    const clientId = `${this.options.clientIdPrefix}-${index}`;
    const options: IClientOptions = {
      ...serviceClientOptions(this.options.security, clientId),
      clean: false,
      // subscriptions are made on every connect that finds no session, below
      resubscribe: false,
      properties: { sessionExpiryInterval: this.options.sessionExpirySeconds, receiveMaximum: this.options.inFlightPerConnection },
      customHandleAcks: (topic, payload, packet, done) => {
        const handled = this.options.onMessage(topic, payload, packet.qos).then(
          () => true,
          (error: unknown) => {
            // only when stopping: leave it un-acknowledged for redelivery
            logger.warn({ event: 'message_not_acknowledged', topic, err: error }, 'message left for redelivery');
            return false;
          },
        );
        if (packet.messageId !== undefined) acks.hold(packet.messageId, handled);
        done(0); // mqtt.js now "sends" the PUBACK, which acks.hold keeps back until handled resolves
      },
    };
    const client = this.options.createClient?.(options) ?? mqtt.connect(this.options.url, options);
    const acks = new HeldPubacks(client, this.options.inFlightPerConnection, (error) => {
      logger.error({ event: 'puback_send_failed', clientId, err: error }, 'writing a held PUBACK failed; reconnecting, and the broker redelivers what was not acknowledged');
      client.stream.destroy();
    });
    client.on('connect', (connack) => {
      this.options.onConnectionChange(this.connected);
      logger.info({ event: 'mqtt_connected', clientId, sessionPresent: connack.sessionPresent }, 'connected to the MQTT broker');
      // every time, even when the broker kept the session: a kept session need not hold the subscription (one
      // refused under earlier rights, a session another run of the same client id left); subscribing again replaces
      // it and loses nothing queued
      const { subscriptions } = this.options;
      client.subscribe(subscriptions, { qos: 1 }, (error, granted) => {
        if (error || granted?.some((g) => g.qos > 2)) {
          logger.error({ event: 'mqtt_subscribe_failed', clientId, subscriptions, err: error, granted }, 'subscription refused');
        } else {
          logger.info({ event: 'mqtt_subscribed', clientId, subscriptions }, 'subscribed');
        }
      });
      if (index === 0) client.subscribe(brokerReceivedTopic, { qos: 0 });
    });
    client.on('message', (topic, payload, packet) => {
      if (topic === brokerReceivedTopic) {
        const total = Number(payload.toString());
        if (Number.isFinite(total)) this.options.onBrokerReceived(total);
      } else if (packet.qos === 0) {
        // QoS 0 has no acknowledgement to hold (QoS 1 messages are handled in customHandleAcks)
        void this.options.onMessage(topic, payload, 0).catch(() => undefined);
      }
    });
    client.on('close', () => {
      acks.connectionClosed();
      this.options.onConnectionChange(this.connected);
      if (!this.stopping) logger.warn({ event: 'mqtt_disconnected', clientId }, 'MQTT connection closed; reconnecting');
    });
    logMqttErrors(client, logger, clientId);
    return client;
  }
}

type SendPacket = (packet: { cmd: string; messageId?: number }, callback?: (error?: Error) => void, ...rest: unknown[]) => void;

/**
 * Holds a connection's PUBACKs until their messages are handled, and bounds
 * the messages un-acknowledged.
 *
 * mqtt.js sends a QoS 1 message's PUBACK when `customHandleAcks` calls back,
 * and reads the connection's next packet only once that PUBACK is written:
 * waiting there for Kafka leaves one message in flight per connection (19.9k
 * readings/s with 128 connections, bench/mqtt-source.bench.ts). So the
 * callback runs at once, and this wraps the client's packet writer (mqtt.js's
 * internal `_sendPacket`: package.json pins mqtt.js exactly, `start` checks
 * the method is there, mqtt-intake.test.ts covers the behaviour): a
 * held PUBACK lets mqtt.js read on at once and is written when its message is
 * handled, after every PUBACK held before it; a message that was not handled
 * (the connector stopping) is never acknowledged, and the broker redelivers it.
 *
 * With `limit` messages un-acknowledged, mqtt.js is let read on only when a
 * PUBACK is written: TCP then pushes back on a broker that sends past the
 * receive maximum, and the connector's memory stays bounded.
 *
 * A PUBACK that cannot be written calls `onSendFailed`, which tears the
 * connection down. The PUBACKs held when a connection closes are dropped:
 * acknowledging them past a gap would break the order, and on the next
 * connection a message id may name another message; the broker redelivers
 * every message not acknowledged once the client reconnects.
 */
class HeldPubacks {
  private readonly held = new Map<number, Promise<boolean>>();
  private chain: Promise<unknown> = Promise.resolve();
  /** Bumped when a connection ends or a PUBACK could not be written: the PUBACKs held until then are dropped. */
  private generation = 0;
  /** Messages of this connection handed over and not acknowledged yet. */
  private unacknowledged = 0;
  /** mqtt.js's go-ahead to read the next packet, kept back while `limit` messages are un-acknowledged. */
  private readNext: (() => void) | undefined;

  constructor(
    client: MqttClient,
    private readonly limit: number,
    onSendFailed: (error: unknown) => void,
  ) {
    const target = client as unknown as { _sendPacket: SendPacket };
    const send = target._sendPacket.bind(client);
    target._sendPacket = (packet, callback, ...rest) => {
      const handled = packet.cmd === 'puback' && packet.messageId !== undefined ? this.held.get(packet.messageId) : undefined;
      if (!handled) return send(packet, callback, ...rest);
      this.held.delete(packet.messageId!);
      const generation = this.generation;
      this.chain = this.chain
        .then(() => handled)
        .then((ok) => {
          if (generation !== this.generation) return;
          if (ok) send(packet, undefined, ...rest);
          this.acknowledged();
        })
        .catch((error: unknown) => {
          this.connectionClosed();
          onSendFailed(error);
        });
      // mqtt.js reads the next packet once this is called
      if (this.unacknowledged < this.limit) callback?.();
      else this.readNext = () => callback?.();
    };
  }

  hold(messageId: number, handled: Promise<boolean>): void {
    this.held.set(messageId, handled);
    this.unacknowledged++;
  }

  connectionClosed(): void {
    this.generation++;
    this.unacknowledged = 0;
    this.readNext = undefined; // that connection's reader is gone; the next one starts afresh
  }

  private acknowledged(): void {
    this.unacknowledged--;
    if (this.readNext && this.unacknowledged < this.limit) {
      const readNext = this.readNext;
      this.readNext = undefined;
      readNext();
    }
  }
}
