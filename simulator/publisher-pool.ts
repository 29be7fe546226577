import { connectAsync, type IClientOptions, type MqttClient } from 'mqtt';
import { FleetstreamError } from '../lib/errors';
import { mqttRefusalFix, refusedCredentials, type MqttSecurity } from '../lib/mqtt-security';

/**
 * A pool of MQTT 5 connections publishing with QoS 1. Each connection allows a
 * bounded number of unacknowledged publishes; `publish` waits when the
 * connection is full, which is how the broker's pace slows the simulator down.
 */
export interface PublisherPool {
  publish(connection: number, topic: string, payload: Buffer): Promise<void>;
  /** Acknowledged (PUBACK) publishes so far. */
  acked(): number;
  /** Publishes that failed. */
  failed(): number;
  /** Resolves when nothing is in flight, or after `timeoutMs`; true when everything was acknowledged. */
  drain(timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}

export interface PublisherPoolOptions {
  /** without credentials: those are in `security` (lib/mqtt-security.ts) */
  url: string;
  security: MqttSecurity;
  connections: number;
  maxInflightPerConnection: number;
  clientIdPrefix: string;
  /** Connection i's own account, in place of `security`'s; connections refused as not authorized are tried again for `authWaitMs`. */
  credentials?: (connection: number) => { username: string; password: string };
  /** How long a refused account may take to be known (the broker learns new devices from the registry within seconds). Default 30 s. */
  authWaitMs?: number;
  /** Connection i's last will, such as a device's retained `offline` status. */
  will?: (connection: number) => IClientOptions['will'];
  /** Called once connection i is up (its subscriptions, its birth message); mqtt.js re-subscribes after a reconnect. */
  onConnected?(connection: number, client: MqttClient): Promise<void>;
  onError?(error: Error): void;
}

interface Slot {
  client: MqttClient;
  inflight: number;
  waiters: (() => void)[];
}

/** Connection `n`, tried again while the broker refuses its own account as not authorized, up to `authWaitMs`. */
async function connectOne(options: PublisherPoolOptions, n: number, clientId: string): Promise<MqttClient> {
  const account = options.credentials?.(n);
  const deadline = Date.now() + (options.authWaitMs ?? 30_000);
  for (let waitMs = 100; ; waitMs = Math.min(2000, waitMs * 2)) {
    try {
      const will = options.will?.(n);
      return await connectAsync(options.url, { ...options.security, protocolVersion: 5, clientId, clean: true, reconnectPeriod: 1000, connectTimeout: 10_000, ...account, ...(will && { will }) });
    } catch (error) {
      if (!account || !refusedCredentials(error)) throw error;
      if (Date.now() + waitMs > deadline) {
        throw new FleetstreamError('MQTT_NOT_AUTHORIZED', `the broker refuses device ${account.username}'s credentials: is the broker following the registry (\`make up\` starts broker-auth-sync)?`, { cause: error });
      }
      await new Promise((resolve) => setTimeout(resolve, waitMs));
    }
  }
}

export async function openPublisherPool(options: PublisherPoolOptions): Promise<PublisherPool> {
  const run = Math.random().toString(36).slice(2, 8);
  let acked = 0;
  let failed = 0;
  let inflight = 0;
  let idle: (() => void)[] = [];
  const slots: Slot[] = [];
  try {
    // connect in small groups: thousands of simultaneous CONNECTs only make the broker queue them
    for (let start = 0; start < options.connections; start += 64) {
      const group = Array.from({ length: Math.min(64, options.connections - start) }, (_, i) => connectOne(options, start + i, `${options.clientIdPrefix}-${run}-${start + i}`));
      for (const client of await Promise.all(group)) {
        client.on('error', (error) => options.onError?.(error));
        slots.push({ client, inflight: 0, waiters: [] });
      }
      if (options.onConnected) await Promise.all(slots.slice(start).map((slot, i) => options.onConnected!(start + i, slot.client)));
    }
  } catch (error) {
    await Promise.all(slots.map((s) => s.client.endAsync(true)));
    if (error instanceof FleetstreamError) throw error;
    const fix = mqttRefusalFix(error) ?? 'start the stack with `make up`, or set MQTT_URL';
    throw new FleetstreamError('MQTT_UNAVAILABLE', `could not connect to the MQTT broker at ${options.url}: ${fix}`, { cause: error });
  }

  function settle(slot: Slot, error?: Error): void {
    slot.inflight--;
    inflight--;
    if (error) {
      failed++;
      options.onError?.(error);
    } else {
      acked++;
    }
    slot.waiters.shift()?.();
    if (inflight === 0) {
      const waiting = idle;
      idle = [];
      for (const resolve of waiting) resolve();
    }
  }

  return {
    async publish(connection, topic, payload) {
      const slot = slots[connection % slots.length] as Slot;
      while (slot.inflight >= options.maxInflightPerConnection) {
        await new Promise<void>((resolve) => slot.waiters.push(resolve));
      }
      slot.inflight++;
      inflight++;
      slot.client.publish(topic, payload, { qos: 1 }, (error) => settle(slot, error));
    },
    acked: () => acked,
    failed: () => failed,
    async drain(timeoutMs) {
      if (inflight === 0) return true;
      let timer: NodeJS.Timeout | undefined;
      const done = await Promise.race([
        new Promise<boolean>((resolve) => idle.push(() => resolve(true))),
        new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(false), timeoutMs);
        }),
      ]);
      clearTimeout(timer);
      return done;
    },
    async close() {
      // with a will: "disconnect with will message" (MQTT 5 reason 0x04), so a device that stops publishing is seen offline
      await Promise.all(slots.map((s, n) => (options.will?.(n) ? s.client.endAsync(false, { reasonCode: 4 }) : s.client.endAsync())));
    },
  };
}
