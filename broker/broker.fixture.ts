/** The stack's broker as the tests reach it: `make env`'s MQTT_* variables. */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { onCleanup, testSettings, uniqueName } from '../test/factories';
import { openBrokerAccess, type BrokerAccess } from './broker-access';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: the broker tests need the stack's Mosquitto (\`make up\`, then \`eval "$(make -s env)"\`)`);
  return value;
}

export const brokerSettings = () => {
  const withCredentials = new URL(testSettings().mqttUrl);
  withCredentials.username = '';
  withCredentials.password = '';
  return {
    url: withCredentials.toString().replace(/\/$/, ''),
    tlsUrl: required('MQTT_TLS_URL'),
    certUrl: required('MQTT_CERT_URL'),
    caFile: required('MQTT_CA_FILE'),
    caKeyFile: required('MQTT_CA_KEY_FILE'),
    connectorUsername: required('MQTT_USERNAME'),
    connectorPassword: required('MQTT_PASSWORD'),
  };
};

export async function brokerAccessFixture(): Promise<BrokerAccess> {
  const access = await openBrokerAccess({ url: brokerSettings().url, username: required('MQTT_ADMIN_USERNAME'), password: required('MQTT_ADMIN_PASSWORD') });
  onCleanup(() => access.close());
  return access;
}

/** A new device username (`<tenant>/<site>/<device>`) and password, revoked after the file's tests. */
export async function freshDevice(access: BrokerAccess, tenant = uniqueName('t')): Promise<{ username: string; password: string }> {
  const device = { username: `${tenant}/site/${uniqueName('d')}`, password: randomBytes(18).toString('base64url') };
  await access.grantDevice(device.username, device.password);
  onCleanup(() => access.revokeDevice(device.username).catch(() => undefined));
  return device;
}

/** A connected MQTT 5 client, ended after the file's tests; rejects when the broker refuses it. */
export async function connectClient(url: string, options: IClientOptions = {}): Promise<MqttClient> {
  const client = await mqtt.connectAsync(url, { protocolVersion: 5, clientId: uniqueName('c'), reconnectPeriod: 0, connectTimeout: 5000, ...options });
  onCleanup(() => client.endAsync(true));
  return client;
}

export const caOf = (caFile: string) => readFileSync(caFile);
