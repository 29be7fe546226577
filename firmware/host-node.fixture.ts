/**
 * The firmware on the host, against the stack's own broker: a device
 * provisioned in the stack's registry (the stack's broker-auth-sync writes it
 * into the broker's auth file), a flash directory holding its settings.json
 * and the broker's CA, and `python3 firmware/host/run_node.py` running the
 * real fleetnode modules over TLS, its JSON event lines read here and its
 * stand-ins (WiFi link, NTP) driven through its stdin. `platform()` is the
 * platform's side: the stack's transitional all-rights account (MQTT_URL).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { addDevice, openRegistry, removeDevice, type DeviceAddress } from '../registry';
import { eventually, onCleanup, testSettings, uniqueName } from '../test/factories';

export interface ProvisionedDevice {
  address: DeviceAddress;
  username: string;
  password: string;
  /** `{base}`: the device's topic root */
  base: string;
}

function stackSetting(name: 'MQTT_TLS_URL' | 'MQTT_CA_FILE'): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the tests with the stack's settings, eval "$(make -s env)"`);
  return value;
}

/** A fresh tenant name for `provisionDevice`. */
export const freshTenant = () => uniqueName('fw').toLowerCase();

/** A device in the stack's registry (a fresh tenant unless given), admitted by the stack's broker before this returns; removed after the file's tests. */
export async function provisionDevice(options: { tenant?: string; device?: string } = {}): Promise<ProvisionedDevice> {
  const registry = openRegistry({ databaseUrl: testSettings().databaseUrl, databaseSchema: 'public', poolSize: 1, applicationName: 'fleetstream-firmware-test' });
  const address = { tenant: options.tenant ?? freshTenant(), site: 'site-1', device: options.device ?? 'node-1' };
  const { credentials } = await addDevice(registry, address);
  onCleanup(async () => {
    await removeDevice(registry, address).catch(() => undefined);
    await registry.close();
  });
  const ca = await readFile(stackSetting('MQTT_CA_FILE'));
  const probe = await eventually(
    () => mqtt.connectAsync(stackSetting('MQTT_TLS_URL'), { ...credentials, ca, clientId: uniqueName('probe'), reconnectPeriod: 0, connectTimeout: 3000 }).catch(() => undefined),
    "the stack's broker admitting the new device (broker-auth-sync)",
    20_000,
    200,
  );
  await probe.endAsync();
  return { address, username: credentials.username, password: credentials.password, base: `fleet/${address.tenant}/${address.site}/${address.device}` };
}

/** A flash directory with the device's settings.json (TLS to the stack's broker) and the CA it names; removed after the file's tests. */
export async function flashFor(device: ProvisionedDevice, settings: Record<string, unknown> = {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'fleetnode-flash-'));
  onCleanup(() => rm(dir, { recursive: true, force: true }));
  await copyFile(stackSetting('MQTT_CA_FILE'), join(dir, 'ca.crt'));
  const { mqtt: mqttSettings, ...rest } = settings;
  const content = {
    wifi: { ssid: 'host-lan', password: 'unused', retry_s: 1 },
    mqtt: { url: stackSetting('MQTT_TLS_URL'), username: device.username, password: device.password, ca_file: 'ca.crt', keepalive_s: 10, ...(mqttSettings as object) },
    interval_s: 1,
    sensors: [{ driver: 'simulated' }],
    ...rest,
  };
  await writeFile(join(dir, 'settings.json'), JSON.stringify(content, null, 2));
  return dir;
}

export interface NodeEvent {
  event: string;
  [field: string]: unknown;
}

/** The firmware as a process of its own; killed after the file's tests. */
export class HostNode {
  readonly events: NodeEvent[] = [];
  readonly exited: Promise<number | string>;
  private output = '';

  private constructor(private readonly child: ChildProcess) {
    let partial = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      partial += chunk.toString();
      const lines = partial.split('\n');
      partial = lines.pop()!;
      for (const line of lines) {
        this.output += `${line}\n`;
        if (line.startsWith('{')) this.events.push(JSON.parse(line) as NodeEvent);
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  }

  /** `env`: HOST_NTP=down starts with NTP not answering. */
  static start(flash: string, env: Record<string, string> = {}): HostNode {
    const child = spawn('python3', ['-u', join(__dirname, 'host', 'run_node.py'), flash], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    const node = new HostNode(child);
    onCleanup(async () => {
      await node.kill('SIGKILL');
    });
    return node;
  }

  /** The first event from index `from` on that `matches`, waiting for it. */
  async waitFor(matches: (event: NodeEvent) => boolean, what: string, timeoutMs = 20_000, from = 0): Promise<NodeEvent> {
    return eventually(() => this.events.slice(from).find(matches), what, timeoutMs).catch((error: Error) => {
      throw new Error(`${error.message}; the node's output:\n${this.output.slice(-3000)}`);
    });
  }

  /** Drives the host stand-ins (see run_node.py), and waits until they took it. */
  async control(command: Record<string, unknown>): Promise<void> {
    const from = this.events.length;
    this.child.stdin!.write(`${JSON.stringify(command)}\n`);
    await this.waitFor((e) => e.event === 'host_control', `the stand-ins taking ${JSON.stringify(command)}`, 5000, from);
  }

  named(event: string): NodeEvent[] {
    return this.events.filter((e) => e.event === event);
  }

  async kill(signal: NodeJS.Signals): Promise<number | string> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.exited;
  }
}

export interface PlatformMessage {
  topic: string;
  payload: string;
  retain: boolean;
}

/** The platform's side of the device's topics: everything under `{base}/#` it receives, and publishing as the platform does. */
export async function platform(device: ProvisionedDevice) {
  const client: MqttClient = await mqtt.connectAsync(testSettings().mqttUrl, { protocolVersion: 4, clientId: uniqueName('platform'), reconnectPeriod: 0 });
  const received: PlatformMessage[] = [];
  const retainedTopics = new Set<string>();
  client.on('message', (topic, payload, packet) => received.push({ topic, payload: payload.toString(), retain: packet.retain }));
  await client.subscribeAsync(`${device.base}/#`, { qos: 1 });
  onCleanup(async () => {
    // retained messages outlive the test: clear what this file left on the shared broker
    for (const topic of retainedTopics) await client.publishAsync(topic, '', { qos: 1, retain: true });
    await client.endAsync();
  });
  const under = (subtopic: string) => `${device.base}/${subtopic}`;
  return {
    client,
    received,
    /** Publishes on `{base}/<subtopic>` at QoS 1. */
    async publish(subtopic: string, body: unknown, options: { retain?: boolean } = {}): Promise<void> {
      if (options.retain) retainedTopics.add(under(subtopic));
      await client.publishAsync(under(subtopic), typeof body === 'string' ? body : JSON.stringify(body), { qos: 1, retain: options.retain ?? false });
    },
    /** Messages received on `{base}/<subtopic>`. */
    on(subtopic: string): PlatformMessage[] {
      return received.filter((m) => m.topic === under(subtopic));
    },
    async waitOn(subtopic: string, count = 1, timeoutMs = 20_000): Promise<PlatformMessage[]> {
      return eventually(() => {
        const got = received.filter((m) => m.topic === under(subtopic));
        return got.length >= count ? got : undefined;
      }, `${count} message(s) on ${under(subtopic)} (have ${received.filter((m) => m.topic === under(subtopic)).length})`, timeoutMs);
    },
  };
}
