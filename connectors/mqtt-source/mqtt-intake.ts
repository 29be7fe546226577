import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { Logger } from '../../lib/logger';

/**
 * The connector's MQTT side: `connections` clients in one MQTT 5 shared
 * subscription, each with a persistent session. A QoS 1 message is
 * acknowledged (PUBACK) only when `onMessage` resolved, that is, once Kafka has
 * it, in the order the connection received the messages (MQTT 4.6). Each
 * connection has up to `inFlightPerConnection` messages un-acknowledged (its
 * MQTT 5 receive maximum; the broker's own cap, Mosquitto's
 * max_inflight_messages, may be lower) and the broker queues the rest in the
 * session meanwhile.
 */
export interface MqttIntakeOptions {
  url: string;
  /** e.g. `$share/fleetstream/fleet/+/+/+/up` */
  subscription: string;
  clientIdPrefix: string;
  connections: number;
  inFlightPerConnection: number;
  sessionExpirySeconds: number;
  logger: Logger;
  onMessage(topic: string, payload: Buffer, qos: number): Promise<void>;
  onConnectionChange(connected: number): void;
  /** Broker-wide received-PUBLISH counter from `$SYS`, when the broker has one. */
  onBrokerReceived(total: number): void;
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
      clientId,
      protocolVersion: 5,
      clean: false,
      reconnectPeriod: 1000,
      connectTimeout: 10_000,
      keepalive: 30,
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
    const client = mqtt.connect(this.options.url, options);
    const acks = new HeldPubacks(client);
    client.on('connect', (connack) => {
      this.options.onConnectionChange(this.connected);
      logger.info({ event: 'mqtt_connected', clientId, sessionPresent: connack.sessionPresent }, 'connected to the MQTT broker');
      if (!connack.sessionPresent) {
        client.subscribe(this.options.subscription, { qos: 1 }, (error, granted) => {
          if (error || granted?.some((g) => g.qos > 2)) {
            logger.error({ event: 'mqtt_subscribe_failed', clientId, subscription: this.options.subscription, err: error, granted }, 'subscription refused');
          } else {
            logger.info({ event: 'mqtt_subscribed', clientId, subscription: this.options.subscription }, 'subscribed');
          }
        });
      }
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
      this.options.onConnectionChange(this.connected);
      if (!this.stopping) logger.warn({ event: 'mqtt_disconnected', clientId }, 'MQTT connection closed; reconnecting');
    });
    client.on('error', (error) => logger.warn({ event: 'mqtt_error', clientId, err: error }, 'MQTT client error'));
    return client;
  }
}

type SendPacket = (packet: { cmd: string; messageId?: number }, callback?: (error?: Error) => void, ...rest: unknown[]) => void;

/**
 * Holds a connection's PUBACKs until their messages are handled.
 *
 * mqtt.js sends a QoS 1 message's PUBACK when `customHandleAcks` calls back,
 * and reads the connection's next packet only once that PUBACK is written:
 * waiting there for Kafka leaves one message in flight per connection (19.9k
 * readings/s with 128 connections, bench/mqtt-source.bench.ts). So the
 * callback runs at once, and this wraps the client's packet writer (mqtt.js's
 * internal `_sendPacket`, pinned by package-lock.json and covered by the
 * connector's tests): a held PUBACK lets mqtt.js read on at once and is
 * written when its message is handled, after every PUBACK held before it; a
 * message that was not handled (the connector stopping) is never acknowledged,
 * and the broker redelivers it.
 */
class HeldPubacks {
  private readonly held = new Map<number, Promise<boolean>>();
  private chain: Promise<unknown> = Promise.resolve();

  constructor(client: MqttClient) {
    const target = client as unknown as { _sendPacket: SendPacket };
    const send = target._sendPacket.bind(client);
    target._sendPacket = (packet, callback, ...rest) => {
      const handled = packet.cmd === 'puback' && packet.messageId !== undefined ? this.held.get(packet.messageId) : undefined;
      if (!handled) return send(packet, callback, ...rest);
      this.held.delete(packet.messageId!);
      this.chain = this.chain.then(() => handled).then((ok) => {
        if (ok) send(packet, undefined, ...rest);
      });
      callback?.(); // mqtt.js reads the next packet
    };
  }

  hold(messageId: number, handled: Promise<boolean>): void {
    this.held.set(messageId, handled);
  }
}
