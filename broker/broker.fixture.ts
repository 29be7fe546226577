/**
 * A Mosquitto of the test file's own, with the project's plugin built from
 * broker/plugin, on free ports: plain MQTT, TLS, and TLS with client
 * certificates, like the stack's broker. Its auth file and CA live in a
 * temporary directory, so a test that revokes or rotates touches no other
 * test's broker. Stopped (and its directory removed) after the file's tests.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { brokerPasswordHash } from '../registry/broker-password-hash';
import { eventually, freePort, onCleanup, uniqueName } from '../test/factories';
import { accessRulesText, mqttDownlinkRules, mqttSourceRules, type ServiceRule } from './access-rules';
import type { AuthFileEntry } from './auth-file';
import { writeAuthFile } from './auth-file-io';
import { startMosquitto, startPluginBroker, type PluginBroker } from './plugin-broker';
import { makeTestCa } from './test-ca';

export interface Account {
  username: string;
  password: string;
}

export interface TestBroker {
  url: string;
  tlsUrl: string;
  certUrl: string;
  caFile: string;
  caKeyFile: string;
  authFile: string;
  /** the plugin's rules file (the connector's and the downlink's rules, and `extraServices`') */
  rulesFile: string;
  /** the connector's service account (fleetstream-mqtt-source's rules) */
  connector: Account;
  /** the downlink's service account (fleetstream-mqtt-downlink's rules) */
  downlink: Account;
  /** Writes the auth file with the devices added, and waits until the broker has loaded it. */
  grant(...devices: Account[]): Promise<void>;
  /** Writes the auth file without the account, and waits until the broker has loaded it. */
  revoke(username: string): Promise<void>;
  /** Writes the auth file with a new hash for the account, and waits until the broker has loaded it. */
  rotate(username: string, password: string): Promise<void>;
  /** Writes exactly `entries` as the auth file (the connector's entry is `connectorEntry`), and waits until the broker has loaded it. */
  load(entries: AuthFileEntry[]): Promise<void>;
  connectorEntry: AuthFileEntry;
}

/** `extraServices`: more service accounts, with their rules, beside the connector's and the downlink's. */
export async function startTestBroker(extraServices: { account: Account; rules: ServiceRule[] }[] = []): Promise<TestBroker> {
  const dir = await mkdtemp(join(tmpdir(), 'fleetstream-broker-'));
  onCleanup(() => rm(dir, { recursive: true, force: true }));
  const tls = await makeTestCa(dir);
  const connector = { username: 'fleetstream-mqtt-source', password: randomBytes(18).toString('base64url') };
  const downlink = { username: 'fleetstream-mqtt-downlink', password: randomBytes(18).toString('base64url') };
  const services = [connector, downlink, ...extraServices.map((s) => s.account)];
  const accounts = new Map<string, AuthFileEntry>(services.map(({ username, password }) => [username, { username, passwordHash: brokerPasswordHash(password) }]));
  const authFile = join(dir, 'auth');
  const rulesFile = join(dir, 'access.rules');
  await writeAuthFile(authFile, accounts.values());
  await writeFile(rulesFile, accessRulesText([...mqttSourceRules(connector.username), ...mqttDownlinkRules(downlink.username), ...extraServices.flatMap((s) => s.rules)]));
  const ports: [number, number, number] = [await freePort(), await freePort(), await freePort()];
  const broker = await startPluginBroker({ dir, authFile, rulesFile, listeners: [{ port: ports[0] }, { port: ports[1], tls }, { port: ports[2], tls: { ...tls, clientCertificates: true } }] });
  onCleanup(() => broker.stop());

  const load = async (entries: Iterable<AuthFileEntry>) => {
    const before = await broker.authFileLoads();
    await writeAuthFile(authFile, entries);
    await eventually(async () => ((await broker.authFileLoads()) > before ? true : undefined), 'the broker to load the auth file', 10_000);
  };
  const writeAndWait = () => load(accounts.values());
  return {
    url: `mqtt://127.0.0.1:${ports[0]}`,
    tlsUrl: `mqtts://127.0.0.1:${ports[1]}`,
    certUrl: `mqtts://127.0.0.1:${ports[2]}`,
    caFile: tls.caFile,
    caKeyFile: tls.caKeyFile,
    authFile,
    rulesFile,
    connector,
    downlink,
    connectorEntry: accounts.get(connector.username)!,
    load,
    grant: async (...devices) => {
      for (const { username, password } of devices) accounts.set(username, { username, passwordHash: brokerPasswordHash(password) });
      await writeAndWait();
    },
    revoke: async (username) => {
      accounts.delete(username);
      await writeAndWait();
    },
    rotate: async (username, password) => {
      accounts.set(username, { username, passwordHash: brokerPasswordHash(password) });
      await writeAndWait();
    },
  };
}

/** A new device account: `<tenant>/<site>/<device>` and a random password. */
export function newDevice(tenant = uniqueName('t')): Account {
  return { username: `${tenant}/site/${uniqueName('d')}`, password: randomBytes(18).toString('base64url') };
}

/** `count` new devices, granted on the broker in one write. */
export async function freshDevices(broker: TestBroker, count: number): Promise<Account[]> {
  const devices = Array.from({ length: count }, () => newDevice());
  await broker.grant(...devices);
  return devices;
}

/** A connected MQTT 5 client, ended after the file's tests; rejects when the broker refuses it. */
export async function connectClient(url: string, options: IClientOptions = {}): Promise<MqttClient> {
  const client = await mqtt.connectAsync(url, { protocolVersion: 5, clientId: uniqueName('c'), reconnectPeriod: 0, connectTimeout: 5000, ...options });
  onCleanup(() => client.endAsync(true));
  return client;
}

export const caOf = (caFile: string) => readFile(caFile);

/** Whether `password` is the one a `$7$` hash was made from (the plugin's check, in node). */
export function hashMatches(passwordHash: string, password: string): boolean {
  const [, , iterations, salt] = passwordHash.split('$');
  return brokerPasswordHash(password, Number(iterations), Buffer.from(salt ?? '', 'base64')) === passwordHash;
}

/**
 * A plain Mosquitto of the test's own on a free port, anonymous clients allowed, started (and again after a
 * `stop`) by `start`: a broker that is not the platform's. `persistence`: whether its sessions and retained
 * messages survive a restart.
 */
export async function anonymousBroker(options: { persistence: boolean }): Promise<{ url: string; start(): Promise<PluginBroker> }> {
  const dir = await mkdtemp(join(tmpdir(), 'fleetstream-anonymous-broker-'));
  onCleanup(() => rm(dir, { recursive: true, force: true }));
  const port = await freePort();
  const configuration = [
    `user ${userInfo().username}`,
    `log_dest file ${join(dir, 'mosquitto.log')}`,
    ...['error', 'warning', 'notice', 'information'].map((type) => `log_type ${type}`),
    'allow_anonymous true',
    ...(options.persistence ? ['persistence true', `persistence_location ${dir}/`] : ['persistence false']),
    `listener ${port} 127.0.0.1`,
    '',
  ].join('\n');
  return {
    url: `mqtt://127.0.0.1:${port}`,
    async start() {
      const broker = await startMosquitto(dir, configuration);
      onCleanup(() => broker.stop());
      return broker;
    },
  };
}
