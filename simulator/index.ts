import { setImmediate as yieldToEventLoop, setTimeout as sleep } from 'node:timers/promises';
import type { MqttClient } from 'mqtt';
import { componentLogger, type Logger } from '../lib/logger';
import { mqttConnection } from '../lib/mqtt-security';
import { resolveSimulationOptions, type SimulationOptionsInput } from './options';
import type { SentReading } from './payload';
import { createFleetPlan, type PlannedMessage } from './plan';
import { openPublisherPool } from './publisher-pool';
import { openRegistry } from '../registry';
import { provisionDevices, type DeviceCredential } from './device-credentials';
import { deviceAddress } from './fleet';
import { createDeviceResponder } from './device-responder';

export type { SimulationOptionsInput } from './options';
export type { SentReading } from './payload';
export type { PlannedMessage } from './plan';

/** A regular reading as published: what the store should hold for `path` at `ts`. */
export interface PublishedReading extends SentReading {
  /** Wall-clock time (epoch ms) the message was handed to MQTT. */
  sentAt: number;
  /** Published after a later reading of the same device. */
  outOfOrder: boolean;
}

export interface SimulationProgress {
  /** Regular messages published so far, and in all. */
  regularMessages: number;
  totalRegularMessages: number;
  /** Every published message, injections included. */
  messages: number;
  readings: number;
  acked: number;
  elapsedSeconds: number;
  /** Readings per second so far. */
  ratePerSecond: number;
}

export interface SimulationHooks {
  /** Called for every regular reading when its message is published (duplicates and malformed messages excluded). */
  onReading?(reading: PublishedReading): void;
  /** Called for every message published, injections included. */
  onMessage?(message: PlannedMessage, sentAt: number): void;
  /** Called every `progressInterval`, and once at the end. */
  onProgress?(progress: SimulationProgress): void;
  /** Stops publishing early (what was published is still drained and counted). */
  signal?: AbortSignal;
  logger?: Logger;
}

export interface SimulationStats {
  /** Every message published: regular, duplicates and malformed. */
  messages: number;
  /** Readings in regular messages, each counted once: what the store should hold. */
  readings: number;
  /** Messages acknowledged by the broker (PUBACK). */
  acked: number;
  /** Publishes that failed. */
  failed: number;
  malformed: number;
  duplicates: number;
  outOfOrder: number;
  readingsPerMessage: number;
  /** Offered load, readings per second. */
  offeredRate: number;
  /** From the first publish to the last acknowledgement. */
  seconds: number;
  /** Readings per second achieved (readings / seconds). */
  ratePerSecond: number;
  /** Every message was published and acknowledged, none failed, not aborted. */
  complete: boolean;
  /** With `respond`: commands the devices executed (once per id), and the replies they published. */
  responses?: { executed: number; replies: number };
}

/**
 * Publishes a simulated fleet's readings over MQTT 5 (QoS 1) at the offered
 * rate, and returns what it published. Options: see `options.ts`.
 */
export async function runSimulation(input: SimulationOptionsInput, hooks: SimulationHooks = {}): Promise<SimulationStats> {
  const options = resolveSimulationOptions(input);
  const logger = hooks.logger ?? componentLogger('simulator');
  const plan = createFleetPlan(options);
  let lastError: string | undefined;
  const connection = mqttConnection(options);
  const credentials = options.provision ? await provisionFleet(options, logger) : undefined;
  const responder = options.respond
    ? createDeviceResponder({
        devices: Array.from({ length: options.devices }, (_, i) => deviceAddress(i, options)),
        connections: options.connections,
        intervalSeconds: options.devices / options.messageRate,
        logger,
      })
    : undefined;
  const pool = await openPublisherPool({
    ...(responder && { will: (n: number) => responder.will(n), onConnected: (n: number, client: MqttClient) => responder.onConnected(n, client) }),
    ...connection,
    connections: options.connections,
    maxInflightPerConnection: options.maxInflightPerConnection,
    clientIdPrefix: options.clientIdPrefix,
    credentials: credentials && ((n) => credentials[n]!),
    onError: (error) => {
      if (error.message !== lastError) logger.warn({ event: 'mqtt_error', err: error }, 'MQTT error');
      lastError = error.message;
    },
  });
  const counts = { messages: 0, readings: 0, malformed: 0, duplicates: 0, outOfOrder: 0 };
  logger.info({ event: 'simulation_start', devices: options.devices, connections: options.connections, messageRate: options.messageRate, totalMessages: options.totalMessages }, 'simulation starting');

  async function publish(message: PlannedMessage): Promise<void> {
    await pool.publish(message.deviceIndex, message.topic, message.payload);
    const sentAt = Date.now();
    counts.messages++;
    if (message.type === 'malformed') counts.malformed++;
    else if (message.type === 'duplicate') counts.duplicates++;
    else {
      if (message.outOfOrder) counts.outOfOrder++;
      counts.readings += message.readings.length;
      if (hooks.onReading) for (const r of message.readings) hooks.onReading({ ...r, sentAt, outOfOrder: message.outOfOrder });
    }
    hooks.onMessage?.(message, sentAt);
  }

  const startedAt = performance.now();
  const elapsedMs = (): number => performance.now() - startedAt;
  const progress = (): SimulationProgress => {
    const elapsedSeconds = elapsedMs() / 1000;
    return {
      regularMessages: plan.regularCount(),
      totalRegularMessages: options.totalMessages,
      messages: counts.messages,
      readings: counts.readings,
      acked: pool.acked(),
      elapsedSeconds,
      ratePerSecond: elapsedSeconds > 0 ? counts.readings / elapsedSeconds : 0,
    };
  };
  let nextProgressAt = options.progressInterval;
  const aborted = (): boolean => hooks.signal?.aborted === true;

  try {
    while (plan.regularCount() < options.totalMessages && !aborted()) {
      const due = Math.min(options.totalMessages, Math.floor((elapsedMs() * options.messageRate) / 1000) + 1);
      let burst = 0;
      while (plan.regularCount() < due) {
        for (const message of plan.next(Date.now())) await publish(message);
        // let acknowledgements and timers in during a long burst
        if (++burst % 256 === 0) await yieldToEventLoop();
      }
      if (elapsedMs() >= nextProgressAt) {
        hooks.onProgress?.(progress());
        nextProgressAt += options.progressInterval * Math.max(1, Math.ceil((elapsedMs() - nextProgressAt) / options.progressInterval));
      }
      const untilNext = (plan.regularCount() * 1000) / options.messageRate - elapsedMs();
      // ahead of schedule: sleep, at least 5 ms: what falls due meanwhile goes out as one burst, and a
      // connection's publishes in one burst share a socket write (1 ms bursts cost a fifth more CPU);
      // yielding with setImmediate instead spun a whole core at any rate above 1000 messages/s
      if (untilNext > 0) await sleep(Math.min(Math.max(untilNext, 5), 100));
      else await yieldToEventLoop();
    }
    for (const message of plan.flush()) await publish(message);
    const drained = await pool.drain(options.drainTimeout);
    if (!drained) logger.warn({ event: 'drain_timeout', outstanding: counts.messages - pool.acked() - pool.failed() }, 'not every publish was acknowledged in time: raise drainTimeout');
    const seconds = elapsedMs() / 1000;
    hooks.onProgress?.(progress());
    const stats: SimulationStats = {
      ...counts,
      acked: pool.acked(),
      failed: pool.failed(),
      readingsPerMessage: options.metrics.length,
      offeredRate: options.messageRate * options.metrics.length,
      seconds,
      ratePerSecond: counts.readings / seconds,
      complete: drained && !aborted() && pool.failed() === 0 && pool.acked() === counts.messages,
      ...(responder && { responses: responder.stats() }),
    };
    logger.info({ event: 'simulation_end', ...stats }, 'simulation finished');
    return stats;
  } finally {
    await pool.close();
  }
}

/** Every simulated device's own credentials, device i's at i, provisioned in the registry where needed. */
async function provisionFleet(options: ReturnType<typeof resolveSimulationOptions>, logger: Logger): Promise<DeviceCredential[]> {
  const registry = openRegistry({ databaseUrl: options.registryDatabaseUrl, databaseSchema: options.registryDatabaseSchema, poolSize: 4, applicationName: 'fleetstream-simulator' });
  try {
    const addresses = Array.from({ length: options.devices }, (_, i) => deviceAddress(i, options));
    let reportedAt = Date.now();
    const result = await provisionDevices(registry, addresses, options.credentialsFile, (done, toDo) => {
      if (Date.now() - reportedAt < 2000 && done < toDo) return;
      reportedAt = Date.now();
      logger.info({ event: 'devices_provisioning', done, toDo }, `provisioned ${done} of ${toDo} devices`);
    });
    logger.info({ event: 'devices_provisioned', added: result.added, rotated: result.rotated, kept: result.kept, file: options.credentialsFile }, 'devices have their credentials');
    return result.credentials;
  } finally {
    await registry.close();
  }
}
