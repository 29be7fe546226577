import { setTimeout as sleep } from 'node:timers/promises';
import { mqttConnection } from '../../lib/mqtt-security';
import { openPublisherPool } from '../../simulator/publisher-pool';
import type { BacklogMessage } from './backlog-plan';

export interface PacedPublishOptions {
  mqttUrl: string;
  /** Messages per second; the broker's acknowledgements slow it down further (the pool's in-flight bound). */
  messageRate: number;
  connections: number;
  clientIdPrefix: string;
  /** Called about once a second with the messages published so far. */
  onProgress?(published: number, elapsedSeconds: number): void;
}

export interface PacedPublishStats {
  messages: number;
  acked: number;
  failed: number;
  /** Wall clock of the first publish and of the last acknowledgement, epoch ms. */
  startedAt: number;
  finishedAt: number;
}

/**
 * Publishes `messages` over MQTT 5 (QoS 1) at `messageRate`, in their order
 * per device (a device keeps one connection), and waits until the broker
 * acknowledged them all.
 */
export async function publishPaced(messages: Iterable<BacklogMessage>, options: PacedPublishOptions): Promise<PacedPublishStats> {
  const pool = await openPublisherPool({ ...mqttConnection({ mqttUrl: options.mqttUrl }), connections: options.connections, maxInflightPerConnection: 100, clientIdPrefix: options.clientIdPrefix });
  const startedAt = Date.now();
  let published = 0;
  let reportedAt = startedAt;
  try {
    for (const message of messages) {
      // ahead of schedule: wait for it, at least 5 ms, so what falls due meanwhile leaves as one burst
      const aheadMs = (published * 1000) / options.messageRate - (Date.now() - startedAt);
      if (aheadMs > 0) await sleep(Math.max(aheadMs, 5));
      await pool.publish(message.deviceIndex, message.topic, message.payload);
      published++;
      if (Date.now() - reportedAt >= 1000) {
        reportedAt = Date.now();
        options.onProgress?.(published, (reportedAt - startedAt) / 1000);
      }
    }
    await pool.drain(60_000);
    return { messages: published, acked: pool.acked(), failed: pool.failed(), startedAt, finishedAt: Date.now() };
  } finally {
    await pool.close();
  }
}
