import { execFile } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { connectAsync } from 'mqtt';
import { Client } from 'pg';
import type { ConnectionSettings } from '../../lib/config';
import { repositoryRoot } from '../../lib/repository-root';

const run = promisify(execFile);

export interface MachineFacts {
  cpuModel: string;
  cores: number;
  memoryBytes: number;
  os: string;
  hostname: string;
  /** 1, 5 and 15 minute load averages when the facts were taken: a busy machine shows here. */
  loadAverage: number[];
}

export function machineFacts(): MachineFacts {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryBytes: os.totalmem(),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    hostname: os.hostname(),
    loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

export interface ServerVersions {
  node: string;
  java: string | null;
  kafka: string | null;
  postgres: string | null;
  timescaledb: string | null;
  redis: string | null;
  mosquitto: string | null;
}

async function orNull<T>(work: () => Promise<T>): Promise<T | null> {
  try {
    return await work();
  } catch {
    return null;
  }
}

/** Kafka's version from the jars the local stack runs (`kafka-clients-<version>.jar`). */
export async function kafkaVersion(libs = join(repositoryRoot(), '.local', 'kafka', 'libs')): Promise<string | null> {
  const jar = (await readdir(libs)).find((f) => /^kafka-clients-.+\.jar$/.test(f));
  return jar ? jar.replace(/^kafka-clients-/, '').replace(/\.jar$/, '') : null;
}

async function postgresVersions(url: string): Promise<{ postgres: string | null; timescaledb: string | null }> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    const server = await client.query<{ v: string }>("select current_setting('server_version') as v");
    const ts = await client.query<{ v: string }>("select extversion as v from pg_extension where extname = 'timescaledb'");
    return { postgres: server.rows[0]?.v ?? null, timescaledb: ts.rows[0]?.v ?? null };
  } finally {
    await client.end();
  }
}

async function redisVersion(url: string): Promise<string | null> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 3000 });
  await redis.connect();
  try {
    return /redis_version:(\S+)/.exec(await redis.info('server'))?.[1] ?? null;
  } finally {
    redis.disconnect();
  }
}

/** Mosquitto announces its version on the retained `$SYS/broker/version` topic. */
async function mosquittoVersion(url: string): Promise<string | null> {
  const client = await connectAsync(url, { protocolVersion: 5, connectTimeout: 3000, reconnectPeriod: 0 });
  try {
    const version = new Promise<string | null>((resolve) => {
      const timer = setTimeout(() => resolve(null), 2000);
      client.on('message', (_topic, payload) => {
        clearTimeout(timer);
        resolve(payload.toString('utf8').replace(/^mosquitto version /, ''));
      });
    });
    await client.subscribeAsync('$SYS/broker/version');
    return await version;
  } finally {
    await client.endAsync();
  }
}

async function javaVersion(): Promise<string | null> {
  const { stderr } = await run('java', ['-version']);
  return /version "([^"]+)"/.exec(stderr)?.[1] ?? null;
}

/** Versions of Node and of every server a benchmark leans on; null for one that cannot be asked. */
export async function serverVersions(settings: ConnectionSettings): Promise<ServerVersions> {
  const [java, kafka, pg, redis, mosquitto] = await Promise.all([
    orNull(javaVersion),
    orNull(() => kafkaVersion()),
    orNull(() => postgresVersions(settings.databaseUrl)),
    orNull(() => redisVersion(settings.redisUrl)),
    orNull(() => mosquittoVersion(settings.mqttUrl)),
  ]);
  return { node: process.version, java, kafka, postgres: pg?.postgres ?? null, timescaledb: pg?.timescaledb ?? null, redis, mosquitto };
}
