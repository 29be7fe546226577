/**
 * Mosquitto's dynamic security plugin, driven over MQTT: a JSON message
 * `{"commands": [...]}` published to `$CONTROL/dynamic-security/v1`, answered
 * on `.../response` with `{"responses": [...]}`, one per command in order, each
 * with `error` when it failed. The plugin answers a message's commands together
 * and passes back `correlationData`, which pairs answers with requests here.
 */
import { randomBytes } from 'node:crypto';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { redactUrl } from '../lib/config';
import { FleetstreamError } from '../lib/errors';

const requestTopic = '$CONTROL/dynamic-security/v1';
const responseTopic = `${requestTopic}/response`;

export type DynamicSecurityCommand = { command: string } & Record<string, unknown>;

export interface DynamicSecurityResponse {
  command: string;
  error?: string;
  correlationData?: string;
}

export interface DynamicSecurityConnection {
  url: string;
  username: string;
  password: string;
  /** PEM of the CA that signed the broker's certificate, for mqtts:// */
  ca?: string | Buffer;
}

export class DynamicSecurityClient {
  private readonly pending = new Map<string, (responses: DynamicSecurityResponse[]) => void>();

  private constructor(private readonly client: MqttClient) {
    client.on('message', (_topic, payload) => {
      const { responses } = JSON.parse(payload.toString()) as { responses: DynamicSecurityResponse[] };
      const key = responses.at(-1)?.correlationData;
      const resolve = key === undefined ? undefined : this.pending.get(key);
      if (resolve) {
        this.pending.delete(key!);
        resolve(responses);
      }
    });
  }

  static async connect(connection: DynamicSecurityConnection): Promise<DynamicSecurityClient> {
    const options: IClientOptions = { protocolVersion: 5, username: connection.username, password: connection.password, clientId: `fleetstream-broker-access-${randomBytes(4).toString('hex')}`, reconnectPeriod: 1000, connectTimeout: 10_000, ca: connection.ca };
    let client: MqttClient;
    try {
      client = await mqtt.connectAsync(connection.url, options, false);
      await client.subscribeAsync(responseTopic, { qos: 1 });
    } catch (error) {
      throw new FleetstreamError('MQTT_UNAVAILABLE', `could not reach the broker's dynamic security at ${redactUrl(connection.url)} as ${connection.username}: start the stack with \`make up\` and use MQTT_ADMIN_USERNAME and MQTT_ADMIN_PASSWORD from \`make env\``, { cause: error });
    }
    return new DynamicSecurityClient(client);
  }

  /** Sends the commands as one message; BROKER_REJECTED names every command that failed. */
  async send(commands: DynamicSecurityCommand[], timeoutMs = 120_000): Promise<DynamicSecurityResponse[]> {
    if (commands.length === 0) return [];
    const key = randomBytes(8).toString('hex');
    const last = { ...commands.at(-1)!, correlationData: key };
    const answered = new Promise<DynamicSecurityResponse[]>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(key);
        reject(new FleetstreamError('MQTT_UNAVAILABLE', `the broker did not answer ${commands.length} dynamic security command(s) within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(key, (responses) => {
        clearTimeout(timer);
        resolve(responses);
      });
    });
    await this.client.publishAsync(requestTopic, JSON.stringify({ commands: [...commands.slice(0, -1), last] }), { qos: 1 });
    const responses = await answered;
    const failed = responses.filter((r) => r.error !== undefined);
    if (failed.length > 0) throw new FleetstreamError('BROKER_REJECTED', `the broker refused ${failed.map((r) => `${r.command}: ${r.error}`).join('; ')}`);
    return responses;
  }

  async close(): Promise<void> {
    await this.client.endAsync();
  }
}
