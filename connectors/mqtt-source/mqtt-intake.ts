import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { Logger } from '../../lib/logger';

/**
 * The connector's MQTT side: `connections` clients in one MQTT 5 shared
 * subscription, each with a persistent session. A QoS 1 message is
 * acknowledged (PUBACK) only when `onMessage` resolved, that is, once Kafka has
 * it: mqtt.js holds the PUBACK through `customHandleAcks` and handles a
 * connection's packets one at a time, so each connection has one message in
 * flight and the broker keeps the rest (queued in the session) meanwhile.
 */
export interface MqttIntakeOptions {
  url: string;
  /** e.g. `$share/fleetstream/fleet/+/+/+/up` */
  subscription: string;
  clientIdPrefix: string;
  connections: number;
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
      properties: { sessionExpiryInterval: this.options.sessionExpirySeconds, receiveMaximum: 1000 },
      customHandleAcks: (topic, payload, packet, done) => {
        this.options.onMessage(topic, payload, packet.qos).then(
          () => done(0),
          // only when stopping: leave it un-acknowledged for redelivery
          (error: unknown) => logger.warn({ event: 'message_not_acknowledged', topic, err: error }, 'message left for redelivery'),
        );
      },
    };
    const client = mqtt.connect(this.options.url, options);
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
