/**
 * Publishes the retained configuration of the devices whose publication is
 * due, in the partitions this member owns, and times out those past their
 * deadline: a round every `scanInterval`, and at once when woken (a batch
 * made new work). Rounds never overlap; a failed one is retried at the next
 * interval, and one that retrying cannot fix stops the processor.
 */
import type { PoolClient } from 'pg';
import type { Producer } from 'kafkajs';
import { isRetriable } from '../../lib/errors';
import type { Logger } from '../../lib/logger';
import { PeriodicRounds } from '../../lib/periodic-rounds';
import { sendUnderBatchLimit } from '../../lib/send-under-batch-limit';
import type { AvroCodec } from '../../schemas/avro-codec';
import { configPayload } from '../../schemas/configuration';
import { deviceKey, downlinkSubtopics } from '../../schemas/device-topics';
import type { ConfigurationTables } from '../../schemas/tables';
import type { DownlinkMessage } from '../../schemas/types';
import type { ConfigurationMetrics } from './configuration-metrics';
import type { DeviceChange, DeviceStateStore, DocumentText, Publication } from './device-state-store';

export interface DeliveryLoopOptions {
  store: DeviceStateStore;
  tables: ConfigurationTables;
  producer: Producer;
  downlinkCodec: AvroCodec<DownlinkMessage>;
  downlinkTopic: string;
  scanIntervalMs: number;
  batchSize: number;
  now: () => number;
  logger: Logger;
  metrics: ConfigurationMetrics;
  /** Called with each round's committed state changes. */
  onChanges(changes: DeviceChange[]): void;
  /** Called once with an error retrying cannot fix. */
  onFailure(error: Error): void;
}

/** Documents are immutable: their text is kept, the most recently read first to stay. */
const cachedDocuments = 1000;

export class DeliveryLoop {
  private owned: number[] = [];
  private stopped = false;
  private readonly rounds: PeriodicRounds;
  private readonly documents = new Map<string, DocumentText>();

  constructor(private readonly options: DeliveryLoopOptions) {
    this.rounds = new PeriodicRounds(() => this.runRounds(), options.scanIntervalMs);
  }

  start(): void {
    this.rounds.start();
  }

  setOwned(partitions: number[]): void {
    this.owned = partitions;
    if (partitions.length > 0) this.wake();
  }

  /** Runs a round now, or right after the one under way. */
  wake(): void {
    this.rounds.wake();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.rounds.stop();
  }

  /** Rounds until one finds fewer due devices than a full batch. */
  private async runRounds(): Promise<void> {
    const { store, batchSize, metrics, logger } = this.options;
    try {
      while (!this.stopped && this.owned.length > 0) {
        const result = await store.deliverDue(this.owned, this.options.now(), batchSize, (client, tenant, version) => this.documentOf(client, tenant, version), (p) => this.publish(p));
        if (result.changes.length > 0) this.options.onChanges(result.changes);
        if (result.due < batchSize) break;
      }
    } catch (error) {
      metrics.failures.inc({ work: 'delivery' });
      if (!isRetriable(error)) {
        logger.error({ event: 'delivery_refused', err: error }, 'a delivery round failed for a reason retrying cannot fix; stopping');
        this.stopped = true;
        void this.rounds.stop();
        this.options.onFailure(error as Error);
        return;
      }
      logger.warn({ event: 'delivery_failed', err: error }, 'a delivery round failed; retried at the next interval');
    }
  }

  private async documentOf(client: PoolClient, tenant: string, version: number): Promise<DocumentText | undefined> {
    const key = `${tenant}/${version}`;
    const cached = this.documents.get(key);
    if (cached) return cached;
    const { rows } = await client.query<{ canonical: string; sha256: string }>(`select canonical, sha256 from ${this.options.tables.documents} where tenant = $1 and version = $2`, [tenant, version]);
    const row = rows[0];
    if (!row) return undefined;
    if (this.documents.size >= cachedDocuments) this.documents.delete(this.documents.keys().next().value!);
    this.documents.set(key, row);
    return row;
  }

  /** Produces each device's retained `config`, QoS 1. */
  private async publish(publications: (Publication & DocumentText)[]): Promise<void> {
    const { downlinkCodec, metrics } = this.options;
    const createdAt = this.options.now();
    const messages = publications.map((p) => {
      const message: DownlinkMessage = {
        ...p.address,
        subtopic: downlinkSubtopics.config,
        payload: configPayload(p.version, p.sha256, p.canonical),
        retain: true,
        qos: 1,
        // the desired configuration stays retained past the deadline: a device back after it still gets it
        expiresAt: null,
        origin: 'configuration',
        createdAt,
      };
      return { key: deviceKey(p.address), value: downlinkCodec.encode(message) };
    });
    await sendUnderBatchLimit(this.options.producer, this.options.downlinkTopic, messages);
    metrics.publications.inc(messages.length);
  }
}
