import type { Batch } from 'kafkajs';
import { isRebalancing } from '../../lib/consumer-stopped';
import { FleetstreamError } from '../../lib/errors';
import type { Logger } from '../../lib/logger';
import type { AvroCodec } from '../../schemas/avro-codec';
import type { AlertEvent, Rollup } from '../../schemas/types';
import type { BatchContext } from '../../sink-kit/batch-consumer';
import { decodeBatch, type RejectedRecord } from '../../sink-kit/decode-batch';
import type { MqttTarget } from './mqtt-target';
import { alertMessage, newestPerTopic, rollupMessage, type Mapped, type RepublishMessage } from './republish-messages';
import type { RepublisherMetrics } from './republisher-metrics';
import type { RepublishStateStore } from './state-store';

export interface BatchRepublisherDeps {
  root: string;
  /** The source topics: each a rollup topic or the alerts topic. */
  sources: ReadonlyMap<string, 'rollup' | 'alert'>;
  rollupCodec: AvroCodec<Rollup>;
  alertCodec: AvroCodec<AlertEvent>;
  store: RepublishStateStore;
  broker: MqttTarget;
  bridge?: MqttTarget;
  metrics: RepublisherMetrics;
  logger: Logger;
  /** Aborted when the component stops: a batch waiting for the broker gives up (uncommitted). */
  stopping: AbortSignal;
  /** How often a batch waiting for PUBACKs heartbeats and looks whether it went stale, ms. */
  heartbeatInterval: number;
}

/**
 * Republishes one Kafka batch and resolves, with the records to dead-letter,
 * once the platform's broker acknowledged every message (QoS 1 PUBACK): only
 * then are its offsets committed. The batch's newest message per topic is
 * claimed in the state store first (state-store.ts: a stale one loses and is
 * not published), then published to the broker, which it waits for while the
 * broker is down (heartbeating), and to the bridge if it is up (a bridge that
 * is down never holds the batch back: its restore sends the stored state).
 */
export function batchRepublisher(deps: BatchRepublisherDeps): (batch: Batch, context: BatchContext) => Promise<RejectedRecord[]> {
  const { metrics, logger } = deps;

  async function deliver(target: MqttTarget, message: RepublishMessage): Promise<void> {
    const timer = metrics.publishSeconds.startTimer({ target: target.name });
    const outcome = await target.publish(message, target === deps.broker);
    if ('dropped' in outcome) {
      metrics.dropped.inc();
      return;
    }
    if (!outcome.published) {
      metrics.refused.inc({ target: target.name });
      logger.error({ event: 'publish_refused', target: target.name, topic: message.topic, reasonCode: outcome.reasonCode }, "the broker refused the publication: check the account's rules (it is stored, and published again at the next connection)");
      return;
    }
    timer();
    metrics.published.inc({ kind: message.kind, target: target.name });
  }

  return async (batch, context) => {
    if (context.isStale()) throw new FleetstreamError('MQTT_UNAVAILABLE', `batch of ${batch.topic}[${batch.partition}] is stale`);
    const kind = deps.sources.get(batch.topic);
    const { mapped, rejected } = kind === 'alert' ? await mapBatch(batch, deps.alertCodec, (e) => alertMessage(deps.root, e)) : await mapBatch(batch, deps.rollupCodec, (r) => rollupMessage(deps.root, r));
    const messages: RepublishMessage[] = [];
    for (const { result, record } of mapped) {
      if ('message' in result) messages.push(result.message);
      else if ('skipped' in result) metrics.skipped.inc({ reason: result.skipped });
      else rejected.push({ topic: batch.topic, partition: batch.partition, message: record, reason: 'invalid_path', error: new Error(result.invalid) });
    }
    const newest = newestPerTopic(messages);
    const claimed = await deps.store.claim(newest);
    // a message that lost, to a newer one of the batch or to the stored one, is stale
    if (claimed.length < messages.length) {
      const won = new Set(claimed);
      for (const message of messages) if (!won.has(message)) metrics.stale.inc({ kind: message.kind });
    }
    const deliveries = claimed.flatMap((message) => [
      deliver(deps.broker, message),
      ...(deps.bridge?.wants(message.tenant) ? [deliver(deps.bridge, message)] : []),
    ]);
    await settleWhileHeartbeating(Promise.all(deliveries), context, deps, batch);
    return rejected;
  };
}

async function mapBatch<T>(batch: Batch, codec: AvroCodec<T>, map: (value: T) => Mapped) {
  const { records, rejected } = await decodeBatch(batch, codec);
  return { mapped: records.map(({ message, value }) => ({ record: message, result: map(value) })), rejected: rejected as RejectedRecord[] };
}

/** Waits for `work`, heartbeating meanwhile; gives the batch up (MQTT_UNAVAILABLE: retried, uncommitted) when it went stale, the group rebalances or the component stops. */
async function settleWhileHeartbeating(work: Promise<unknown>, context: BatchContext, deps: Pick<BatchRepublisherDeps, 'stopping' | 'heartbeatInterval' | 'logger'>, batch: Batch): Promise<void> {
  let settled = false;
  const done = work.finally(() => (settled = true));
  done.catch(() => undefined);
  while (!settled) {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([done.catch(() => undefined), new Promise((resolve) => (timer = setTimeout(resolve, deps.heartbeatInterval)))]);
    clearTimeout(timer);
    if (settled) break;
    let reason = deps.stopping.aborted ? 'stopping' : context.isStale() ? 'stale' : undefined;
    if (reason === undefined) {
      try {
        await context.heartbeat();
      } catch (error) {
        if (isRebalancing(error)) reason = 'rebalancing';
        else deps.logger.warn({ event: 'heartbeat_failed', err: error }, 'heartbeat failed while waiting for the broker');
      }
    }
    if (reason !== undefined) throw new FleetstreamError('MQTT_UNAVAILABLE', `gave up waiting for the broker's acknowledgements of ${batch.topic}[${batch.partition}] from offset ${batch.firstOffset()} (${reason})`);
  }
  await done;
}
