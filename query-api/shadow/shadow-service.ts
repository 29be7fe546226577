/**
 * The query API's side of device shadows. Reads are answered from this
 * replica's view of the compacted fleet.shadows.v1 (shadow-view.ts), fed by a
 * consumer with a group of its own (every replica reads every partition);
 * changes go to the shadow processor, the one writer, as ShadowRequests on
 * fleet.shadow-requests.v1, and their answers come back on
 * fleet.shadow-results.v1, which the same consumer reads from its end.
 *
 * Any replica answers with the latest: a read first asks Kafka where the
 * device's partition of the shadows topic ends (its last stable offset) and
 * waits until the view has read that far, so a GET after a PATCH answered by
 * another replica sees that PATCH. Kafka not reachable at start does not stop
 * the API's other routes: the shadow routes answer 503 until it is.
 */
import { randomUUID } from 'node:crypto';
import type { Admin, Consumer, Kafka, Producer } from 'kafkajs';
import { FleetstreamError } from '../../lib/errors';
import { producerDefaults, idleFetchWaitMs } from '../../lib/kafka';
import { partitionForKey } from '../../lib/key-partition';
import type { Logger } from '../../lib/logger';
import { retryUntilDone } from '../../lib/retry';
import { AvroCodec } from '../../schemas/avro-codec';
import { avroSchemas, valueSubject } from '../../schemas/avro-schemas';
import { deviceKey, type ShadowOperation } from '../../schemas/device-topics';
import type { RegistryClient } from '../../schemas/registry-client';
import type { DeviceAddress } from '../../schemas/series-path';
import type { ShadowRequest, ShadowResult, ShadowState } from '../../schemas/types';
import { ResultWaiter } from './result-waiter';
import { ShadowView, type StoredShadow } from './shadow-view';

export interface ShadowServiceConfig {
  kafka: Kafka;
  registryClient: RegistryClient;
  logger: Logger;
  requestsTopic: string;
  shadowsTopic: string;
  resultsTopic: string;
  /** how long a change waits for the processor's answer, and a read for the view to catch up */
  timeoutMs: number;
}

export interface ShadowService {
  /** The device's shadow as the shadows topic holds it now; undefined when it never had one. */
  read(device: DeviceAddress): Promise<StoredShadow | undefined>;
  /** Sends a request to the shadow processor and waits for its answer. */
  request(device: DeviceAddress, operation: ShadowOperation, payload: unknown, caller: string): Promise<ShadowResult>;
  /** For /readyz: whether shadows can be served, and how many devices the view holds. */
  readiness(): { shadows: 'ready' | 'starting'; shadowDevices: number };
  close(): Promise<void>;
}

/** Device keys start with a tenant name; the processor's restore markers with NUL. */
const isMarker = (key: string) => key.startsWith('\u0000');

export function startShadowService(config: ShadowServiceConfig): ShadowService {
  const { kafka, logger } = config;
  const log = logger.child({ part: 'shadows' });
  const view = new ShadowView();
  const waiter = new ResultWaiter();
  const closing = new AbortController();
  const groupId = `fleetstream-query-api-shadows-${randomUUID()}`;
  const stateCodec = new AvroCodec<ShadowState>(config.registryClient, valueSubject(config.shadowsTopic), avroSchemas.ShadowState);
  const resultCodec = new AvroCodec<ShadowResult>(config.registryClient, valueSubject(config.resultsTopic), avroSchemas.ShadowResult);
  const requestCodec = new AvroCodec<ShadowRequest>(config.registryClient, valueSubject(config.requestsTopic), avroSchemas.ShadowRequest);
  let clients: { admin: Admin; producer: Producer; consumer: Consumer; partitions: number } | undefined;
  /** the consumer has fetched since it joined: the results topic's end is where it reads from */
  let resultsFromEnd = false;
  /** the view has read every partition as far as it ended when the consumer started */
  let loaded = false;

  async function connect(): Promise<void> {
    const admin = kafka.admin();
    const producer = kafka.producer({ ...producerDefaults, idempotent: true });
    const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: idleFetchWaitMs, readUncommitted: false });
    try {
      await admin.connect();
      // asked first: a metadata request for a topic that does not exist is retried for half a minute before it fails
      const existing = new Set(await admin.listTopics());
      const missing = [config.shadowsTopic, config.requestsTopic, config.resultsTopic].filter((t) => !existing.has(t));
      if (missing.length > 0) throw new Error(`topics ${missing.join(', ')} do not exist: run \`fleetstream topics apply\``);
      const [shadowsMetadata] = (await admin.fetchTopicMetadata({ topics: [config.shadowsTopic] })).topics;
      const partitions = shadowsMetadata?.partitions.length ?? 0;
      await requestCodec.register();
      await producer.connect();
      await consumer.connect();
      consumer.on(consumer.events.GROUP_JOIN, () => (resultsFromEnd = false));
      consumer.on(consumer.events.FETCH, () => (resultsFromEnd = true));
      consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
        if (payload.topic === config.shadowsTopic) view.advance(payload.partition, BigInt(payload.lastOffset) + 1n);
      });
      await consumer.subscribe({ topic: config.shadowsTopic, fromBeginning: true });
      await consumer.subscribe({ topic: config.resultsTopic, fromBeginning: false });
      await consumer.run({ autoCommit: false, eachMessage: async ({ topic, message }) => take(topic, message.key?.toString() ?? '', message.value) });
      clients = { admin, producer, consumer, partitions };
    } catch (error) {
      await Promise.allSettled([consumer.disconnect(), producer.disconnect(), admin.disconnect()]);
      throw error;
    }
  }

  async function take(topic: string, key: string, value: Buffer | null): Promise<void> {
    if (value === null || isMarker(key)) return;
    try {
      if (topic === config.resultsTopic) {
        if (waiter.waiting > 0) waiter.deliver(await resultCodec.decode(value));
        return;
      }
      const state = await stateCodec.decode(value);
      view.take(key, { version: Number(state.version), deleted: state.deleted, document: state.document });
    } catch (error) {
      log.warn({ event: 'shadow_record_unreadable', topic, key, err: error }, 'a record of the shadows or their results does not decode; skipped');
    }
  }

  /** Where each partition of the shadows topic ends now (its last stable offset: read_committed reads no further). */
  async function ends(): Promise<Map<number, bigint>> {
    const offsets = await clients!.admin.fetchTopicOffsets(config.shadowsTopic);
    return new Map(offsets.map((o) => [o.partition, BigInt(o.offset)]));
  }

  const started = (async () => {
    await retryUntilDone(connect, {
      signal: closing.signal,
      onRetry: (error, attempt, delayMs) => log.warn({ event: 'shadows_unreachable', attempt, delayMs, err: error }, 'cannot read the shadows from Kafka yet; retrying'),
    });
    const targets = await ends();
    for (;;) {
      const reached = await Promise.all([...targets].map(([partition, offset]) => view.until(partition, offset, 1000)));
      if (reached.every(Boolean) || closing.signal.aborted) break;
    }
    loaded = true;
    log.info({ event: 'shadows_loaded', devices: view.size }, 'the view of the shadows has caught up');
  })();
  started.catch((error: unknown) => {
    if (!closing.signal.aborted) log.error({ event: 'shadows_failed', err: error }, 'reading the shadows failed');
  });

  const unavailable = (why: string, cause?: unknown) => new FleetstreamError('SHADOWS_UNAVAILABLE', `shadows cannot be served: ${why}; retry shortly (is Kafka reachable, do ${config.shadowsTopic} and its companions exist: \`fleetstream topics apply\`?)`, { cause });

  return {
    async read(device) {
      if (!loaded || !clients) throw unavailable('this replica is still reading them');
      const key = deviceKey(device);
      const partition = partitionForKey(key, clients.partitions);
      let end: bigint;
      try {
        end = (await ends()).get(partition) ?? 0n;
      } catch (error) {
        throw unavailable('Kafka did not say where the shadows end', error);
      }
      if (!(await view.until(partition, end, config.timeoutMs))) throw unavailable(`this replica has not read partition ${partition} to its end (offset ${end}) within ${config.timeoutMs} ms`);
      return view.get(key);
    },

    async request(device, operation, payload, caller) {
      if (!clients || !resultsFromEnd) throw unavailable('this replica is still connecting to Kafka');
      const requestId = randomUUID();
      const answer = waiter.wait(requestId, config.timeoutMs);
      const request: ShadowRequest = { requestId, ...device, operation, payload: Buffer.from(JSON.stringify(payload)), requestedAt: Date.now(), caller };
      let sendError: unknown;
      void clients.producer.send({ topic: config.requestsTopic, acks: -1, messages: [{ key: deviceKey(device), value: requestCodec.encode(request) }] }).catch((error: unknown) => {
        sendError = error;
        waiter.cancel(requestId);
      });
      const result = await answer;
      if (result) return result;
      if (sendError !== undefined) throw unavailable('the request could not be sent to Kafka', sendError);
      throw new FleetstreamError('SHADOW_TIMEOUT', `the shadow processor did not answer within ${config.timeoutMs} ms (request ${requestId}); the change may still be applied: GET the shadow to see, and check that \`fleetstream shadow\` runs`);
    },

    readiness: () => ({ shadows: loaded ? 'ready' : 'starting', shadowDevices: view.size }),

    async close() {
      closing.abort();
      await started.catch(() => undefined);
      if (!clients) return;
      const { admin, producer, consumer } = clients;
      await consumer.disconnect();
      await producer.disconnect();
      await admin.deleteGroups([groupId]).catch(() => undefined);
      await admin.disconnect();
    },
  };
}
