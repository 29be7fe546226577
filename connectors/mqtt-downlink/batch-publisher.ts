import type { Batch, KafkaMessage } from 'kafkajs';
import { isRebalancing } from '../../lib/consumer-stopped';
import { FleetstreamError } from '../../lib/errors';
import type { Logger } from '../../lib/logger';
import type { AvroCodec } from '../../schemas/avro-codec';
import type { DeadLetterReason } from '../../schemas/dead-letter-reason';
import type { DeviceTopicRoot } from '../../schemas/device-topics';
import type { DownlinkMessage } from '../../schemas/types';
import type { BatchContext } from '../../sink-kit/batch-consumer';
import { decodeBatch, type RejectedRecord } from '../../sink-kit/decode-batch';
import type { DownlinkMetrics } from './downlink-metrics';
import type { KeyedSequence } from './keyed-sequence';
import type { MqttPublisher } from './mqtt-publisher';
import { expiryAt, planPublication, type Publication } from './publication';

export interface BatchPublisherDeps {
  codec: AvroCodec<DownlinkMessage>;
  root: DeviceTopicRoot;
  maxPayloadBytes: number;
  publisher: MqttPublisher;
  sequence: KeyedSequence;
  metrics: DownlinkMetrics;
  logger: Logger;
  /** Aborted when the component stops: what waits for the broker gives up. */
  stopping: AbortSignal;
  now: () => number;
  /** How often a batch that waits heartbeats and looks whether it went stale, ms. */
  heartbeatInterval: number;
}

type Delivery = 'published' | 'expired' | { refused: number };

/**
 * Publishes one Kafka batch of DownlinkMessages and resolves, with the records
 * to dead-letter, once every publication is acknowledged (QoS 1: the broker's
 * PUBACK), expired or refused: only then are its offsets committed, so a crash
 * loses nothing (at least once). One device's messages go out one after
 * another (keyed-sequence.ts), always on its connection.
 *
 * While the broker is away it waits, heartbeating: nothing is dropped. It gives
 * the batch up (DOWNLINK_ABANDONED, retried by the consumer loop from the
 * committed offset) when the component stops, or when the group rebalances or
 * the batch goes stale, since its partition may be moving to another member:
 * then the connections still holding its publications unacknowledged are
 * replaced, so that mqtt.js does not send them again after a reconnect, behind
 * the new owner's. (What was already on the wire is the broker's: it may still
 * take it, moments after the rebalance began.)
 */
export function batchPublisher(deps: BatchPublisherDeps): (batch: Batch, context: BatchContext) => Promise<RejectedRecord[]> {
  const { publisher, metrics, logger } = deps;

  async function deliver(publication: Publication, origin: string, signal: AbortSignal, holding: Map<number, number>): Promise<Delivery> {
    const index = publisher.connectionFor(publication.device);
    for (;;) {
      signal.throwIfAborted();
      metrics.waiting.inc();
      await publisher.whenConnected(index, signal).finally(() => metrics.waiting.dec());
      const expiry = expiryAt(publication.expiresAt, deps.now());
      if (expiry.expired) {
        metrics.expired.inc();
        logger.info({ event: 'downlink_expired', topic: publication.topic, origin, expiresAt: publication.expiresAt }, 'expired before it could be published: not published');
        return 'expired';
      }
      holding.set(index, (holding.get(index) ?? 0) + 1);
      const timer = metrics.publishSeconds.startTimer();
      try {
        const outcome = await publisher.publish(index, { ...publication, messageExpiryInterval: expiry.messageExpiryInterval });
        if (!outcome.published) return { refused: outcome.reasonCode };
        timer();
        metrics.published.inc({ qos: publication.qos, retain: String(publication.retain) });
        return 'published';
      } catch (error) {
        signal.throwIfAborted();
        // its connection was replaced: the publication goes out again, still before the device's next
        logger.warn({ event: 'downlink_republishing', topic: publication.topic, err: error }, 'publishing again');
      } finally {
        holding.set(index, holding.get(index)! - 1);
      }
    }
  }

  /** Why a batch that waits must be given up, or undefined. */
  async function giveUpReason(context: BatchContext): Promise<string | undefined> {
    if (deps.stopping.aborted) return 'stopping';
    if (context.isStale()) return 'stale';
    try {
      await context.heartbeat();
    } catch (error) {
      if (isRebalancing(error)) return 'rebalancing';
      logger.warn({ event: 'heartbeat_failed', err: error }, 'heartbeat failed while waiting for the broker');
    }
    return undefined;
  }

  return async (batch, context) => {
    if (context.isStale()) throw new FleetstreamError('DOWNLINK_ABANDONED', `batch of ${batch.topic}[${batch.partition}] is stale`);
    const { records, rejected } = await decodeBatch(batch, deps.codec);
    const reject = (message: KafkaMessage, reason: DeadLetterReason, why: string) => rejected.push({ topic: batch.topic, partition: batch.partition, message, reason, error: new Error(why) });
    const abandon = new AbortController();
    const signal = AbortSignal.any([deps.stopping, abandon.signal]);
    /** Publications of this batch each connection holds unacknowledged. */
    const holding = new Map<number, number>();

    const deliveries: Promise<void>[] = [];
    for (const { message, value } of records) {
      const plan = planPublication(value, message.key?.toString() ?? null, deps.root, deps.maxPayloadBytes);
      if (!plan.ok) {
        reject(message, plan.reason, plan.message);
        continue;
      }
      const { publication } = plan;
      const delivered = deps.sequence.run(publication.device, () => deliver(publication, value.origin, signal, holding));
      deliveries.push(
        delivered.then((outcome) => {
          if (typeof outcome !== 'object') return;
          logger.error({ event: 'downlink_refused', topic: publication.topic, reasonCode: outcome.refused }, 'the broker refused the publication: dead-lettered; check the mqtt-downlink account\'s rules');
          reject(message, 'downlink_refused', `the broker refused to publish to ${publication.topic}: PUBACK reason code 0x${outcome.refused.toString(16)}`);
        }),
      );
    }

    const all = Promise.allSettled(deliveries);
    let settled = false;
    void all.then(() => (settled = true));
    while (!settled) {
      await Promise.race([all, delay(deps.heartbeatInterval, signal)]);
      if (settled) break;
      const reason = await giveUpReason(context);
      if (reason === undefined) continue;
      abandon.abort();
      if (reason !== 'stopping') for (const [index, held] of holding) if (held > 0) publisher.reset(index);
      throw new FleetstreamError('DOWNLINK_ABANDONED', `gave up the batch of ${batch.topic}[${batch.partition}] from offset ${batch.firstOffset()} (${reason})`);
    }
    const failure = (await all).find((result) => result.status === 'rejected');
    if (failure) throw failure.reason;
    return rejected;
  };
}

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
