/**
 * The broker plugin at fleet scale (issue 15's provisioning benchmark), on a
 * Mosquitto of its own with the plugin built from broker/plugin: for 10,000 and
 * 100,000 devices, the time to write the auth file, until the broker has
 * loaded it (the newest device's first successful connect), the broker's RSS,
 * and how long a removed device then stays connected; then a storm of 5,000
 * devices connecting with their passwords against the same storm on a broker
 * without authentication. Writes bench/results/broker-auth.json.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { accessRulesText, mqttSourceRules } from '../broker/access-rules';
import type { AuthFileEntry } from '../broker/auth-file';
import { writeAuthFile } from '../broker/auth-file-io';
import { startPluginBroker, type PluginBroker } from '../broker/plugin-broker';
import { brokerPasswordHash } from '../registry/broker-password-hash';
import { freePort } from '../test/free-port';
import { benchProgress } from './lib/progress';
import { writeResult } from './lib/results';
import { latencyPercentiles, median } from './lib/stats';

interface Device {
  username: string;
  password: string;
}

const parameters = { fleetSizes: [10_000, 100_000], stormDevices: 5000, stormConcurrency: 100, stormRepetitions: 5, hashIterations: 101 };

async function rssKb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]);
}

function connect(url: string, options: IClientOptions): Promise<MqttClient> {
  return mqtt.connectAsync(url, { protocolVersion: 5, reconnectPeriod: 0, connectTimeout: 30_000, clientId: `bench-${randomBytes(6).toString('hex')}`, ...options });
}

/** Polls until `device` connects; the time from `since` in ms. */
async function firstConnect(url: string, device: Device, since: number, timeoutMs = 60_000): Promise<number> {
  for (;;) {
    const client = await connect(url, device).catch(() => undefined);
    if (client) {
      const elapsed = performance.now() - since;
      await client.endAsync(true);
      return elapsed;
    }
    if (performance.now() - since > timeoutMs) throw new Error(`${device.username} could not connect within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** `devices` connecting `concurrency` at a time: each one's CONNECT-to-CONNACK time in ms, and the whole storm's. */
async function connectStorm(url: string, devices: (Device | undefined)[], concurrency: number): Promise<{ latencies: number[]; seconds: number }> {
  const latencies: number[] = [];
  const clients: MqttClient[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < devices.length) {
        const device = devices[next++];
        const before = performance.now();
        clients.push(await connect(url, device ?? {}));
        latencies.push(performance.now() - before);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  await Promise.all(clients.map((client) => client.endAsync(true)));
  return { latencies, seconds };
}

/** One fleet size: write, load, memory, removal. */
async function measureFleet(size: number, fleet: { entries: AuthFileEntry[]; devices: Device[] }, context: { broker: PluginBroker; url: string; authFile: string; services: AuthFileEntry[] }) {
  const { broker, url, authFile, services } = context;
  const entries = [...services, ...fleet.entries.slice(0, size)];
  const newest = fleet.devices[size - 1]!;
  const writeStarted = performance.now();
  await writeAuthFile(authFile, entries);
  const writeMs = performance.now() - writeStarted;
  const loadedMs = await firstConnect(url, newest, writeStarted);
  const loadLine = [...(await broker.log()).matchAll(/loaded (\d+) accounts .* in (\d+) ms/g)].at(-1)!;
  const rss = await rssKb(broker.process.pid!);

  // remove one connected device; a bystander must stay
  const removed = fleet.devices[Math.floor(size / 2)]!;
  const [client, bystander] = [await connect(url, removed), await connect(url, fleet.devices[0]!)];
  const closed = new Promise<number>((resolve) => client.once('close', () => resolve(performance.now())));
  const removeStarted = performance.now();
  await writeAuthFile(authFile, entries.filter((entry) => entry.username !== removed.username));
  const disconnectedMs = (await closed) - removeStarted;
  const bystanderStayed = bystander.connected;
  await bystander.endAsync(true);
  return {
    devices: size,
    fileBytes: (await stat(authFile)).size,
    writeMs: Math.round(writeMs),
    untilNewestConnectsMs: Math.round(loadedMs),
    pluginLoadMs: Number(loadLine[2]),
    brokerRssKb: rss,
    removedDisconnectedAfterMs: Math.round(disconnectedMs),
    bystanderStayed,
  };
}

export async function run(): Promise<object> {
  const progress = benchProgress('broker-auth');
  const dir = await mkdtemp(join(tmpdir(), 'bench-broker-auth-'));
  const brokers: PluginBroker[] = [];
  try {
    const largest = Math.max(...parameters.fleetSizes);
    progress(`hashing ${largest} device passwords`);
    const hashStarted = performance.now();
    const devices = Array.from({ length: largest }, (_, i) => ({ username: `bench/site-${String(i % 100).padStart(2, '0')}/dev-${String(i).padStart(6, '0')}`, password: randomBytes(24).toString('base64url') }));
    const entries = devices.map(({ username, password }) => ({ username, passwordHash: brokerPasswordHash(password, parameters.hashIterations) }));
    const hashSeconds = (performance.now() - hashStarted) / 1000;

    const connector = { username: 'fleetstream-mqtt-source', password: randomBytes(18).toString('base64url') };
    const services = [{ username: connector.username, passwordHash: brokerPasswordHash(connector.password) }];
    const authFile = join(dir, 'auth');
    const rulesFile = join(dir, 'access.rules');
    await writeAuthFile(authFile, services);
    await writeFile(rulesFile, accessRulesText(mqttSourceRules(connector.username)));
    const port = await freePort();
    const broker = await startPluginBroker({ dir, authFile, rulesFile, listeners: [{ port }] });
    brokers.push(broker);
    const url = `mqtt://127.0.0.1:${port}`;
    const emptyRssKb = await rssKb(broker.process.pid!);

    const fleets = [];
    for (const size of parameters.fleetSizes) {
      progress(`${size} devices: write, load, remove one`);
      fleets.push(await measureFleet(size, { entries, devices }, { broker, url, authFile, services }));
    }

    const referenceDir = await mkdtemp(join(dir, 'anonymous-'));
    const referencePort = await freePort();
    brokers.push(await startPluginBroker({ dir: referenceDir, authFile, rulesFile, listeners: [{ port: referencePort }], access: 'anonymous' }));
    const stormDevices = devices.slice(0, parameters.stormDevices);
    const variants = [
      ['plugin', url, stormDevices],
      ['anonymous', `mqtt://127.0.0.1:${referencePort}`, stormDevices.map(() => undefined)],
    ] as const;
    // a first storm of each warms up both sides (the first measured runs were twice as slow)
    for (const [, stormUrl, who] of variants) await connectStorm(stormUrl, who, parameters.stormConcurrency);
    const storms: Record<string, { p50: number; p99: number; seconds: number }[]> = { plugin: [], anonymous: [] };
    for (let i = 0; i < parameters.stormRepetitions; i++) {
      progress(`connect storm ${i + 1} of ${parameters.stormRepetitions}`);
      // alternating which goes first
      for (const [variant, stormUrl, who] of i % 2 === 0 ? variants : [...variants].reverse()) {
        const { latencies, seconds } = await connectStorm(stormUrl, who, parameters.stormConcurrency);
        const summary = latencyPercentiles(latencies);
        storms[variant]!.push({ p50: Number(summary.p50.toFixed(2)), p99: Number(summary.p99.toFixed(2)), seconds: Number(seconds.toFixed(2)) });
      }
    }
    const medians = {
      fleets,
      emptyRssKb,
      hashSecondsPerDevice: hashSeconds / largest,
      storm: Object.fromEntries(Object.entries(storms).map(([variant, runs]) => [variant, { p50Ms: median(runs.map((r) => r.p50)), p99Ms: median(runs.map((r) => r.p99)), seconds: median(runs.map((r) => r.seconds)) }])),
    };
    const file = await writeResult('broker-auth', { parameters, repetitions: storms, medians });
    progress(`written ${file}`);
    return medians;
  } finally {
    for (const broker of brokers) await broker.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
