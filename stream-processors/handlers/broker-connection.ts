/**
 * The workers' one MQTT 5 connection to the platform's broker, with their own
 * service account (HANDLERS_MQTT_USERNAME, HANDLERS_MQTT_PASSWORD, or the
 * URL's) and the stack's TLS options (lib/mqtt-security.ts). Connected at
 * start without waiting: a broker that is down fails only mqtt_publish
 * attempts, which are retried.
 */
import mqtt, { type MqttClient } from 'mqtt';
import type { Logger } from '../../lib/logger';
import { logMqttErrors, serviceClientOptions, type MqttSecurity } from '../../lib/mqtt-security';

export class BrokerConnection {
  private readonly client: MqttClient;

  constructor(url: string, security: MqttSecurity, clientId: string, logger: Logger) {
    this.client = mqtt.connect(url, serviceClientOptions(security, clientId));
    logMqttErrors(this.client, logger, clientId);
  }

  async publish(topic: string, payload: Buffer, qos: 0 | 1, retain: boolean): Promise<{ published: true } | { published: false; reasonCode: number }> {
    if (!this.client.connected) throw new Error('not connected to the broker');
    try {
      await this.client.publishAsync(topic, payload, { qos, retain });
      return { published: true };
    } catch (error) {
      const reasonCode = (error as { code?: unknown }).code;
      if (typeof reasonCode === 'number' && reasonCode >= 0x80) return { published: false, reasonCode };
      throw error;
    }
  }

  async close(): Promise<void> {
    await this.client.endAsync();
  }
}
