/**
 * Input topics a consumer has nothing to read from just now (no alert rule
 * reads raw readings, no automation is triggered by rollups, no webhook
 * subscription takes readings) are not fetched. Before, such records were
 * fetched and skipped undecoded: kafkajs's record decoding and the garbage
 * it makes cost the alerts, automations and webhooks processes, with no
 * rule, automation or subscription, 1.3, 2.3 and 3.7 % of a core on average
 * in a 300-device run of bench/late-backlog.bench.ts (their sampled CPU fell
 * from 4.3, 5.2 and 7.8 % to 3.0, 2.9 and 4.1 %), CPU the live path lacked
 * on a loaded machine.
 *
 * While a topic is unread, its partitions are paused, and the offsets of the
 * partitions this member holds follow the topic's end (every `unreadCheckMs`,
 * see `update`; committed to Kafka, or to the database where that holds
 * them): the group's lag stays 0, a restart does not read what was skipped,
 * and the alerts' input clocks (committed offsets) go on. When the topic is
 * read again, consumption goes on from the end last recorded: what was
 * produced while nothing read it is skipped, as it was when such records
 * were fetched and skipped.
 */
import type { Admin, Consumer } from 'kafkajs';
import type { Logger } from './logger';

export type Offset = { topic: string; partition: number; offset: string };

/** How often the consumers that skip unread topics look at what is read (`UnreadTopics.update`). */
export const unreadCheckMs = 1000;

export interface UnreadTopicsOptions {
  consumer: Consumer;
  /** Connected on first use. */
  admin: Admin;
  topics: readonly string[];
  /** Whether anything reads `topic` now. */
  reads(topic: string): boolean | Promise<boolean>;
  /** Records the ends reached without reading (default: the group's committed offsets). */
  skipTo?(ends: Offset[]): Promise<void>;
  logger: Logger;
}

export class UnreadTopics {
  /** Per topic paused here: the ends last committed for it, where it resumes. */
  private readonly skipping = new Map<string, Offset[]>();
  private adminConnected = false;
  /** The partitions of each topic this member holds, from the group's last join. */
  private assigned = new Map<string, number[]>();

  constructor(private readonly options: UnreadTopicsOptions) {
    const { consumer, topics } = options;
    consumer.on(consumer.events.REBALANCING, () => (this.assigned = new Map()));
    consumer.on(consumer.events.GROUP_JOIN, (event) => (this.assigned = new Map(topics.map((topic) => [topic, event.payload.memberAssignment[topic] ?? []]))));
  }

  /**
   * Pauses the topics nothing reads now and records the ends of their
   * partitions this member holds; resumes the paused topics read again where
   * their ends were last recorded, so a record produced since the last call is
   * read. Call it one at a time (every `unreadCheckMs`), in a processor with
   * its own commits between them (a quiet offset committed after an end only
   * means a batch is read again). A failure is logged, and the next call tries
   * again.
   */
  async update(): Promise<void> {
    try {
      await this.updateTopics();
    } catch (error) {
      this.options.logger.info({ event: 'unread_topics_not_updated', err: error }, 'pausing, or moving to their end, the topics nothing reads failed; tried again shortly');
    }
  }

  private async updateTopics(): Promise<void> {
    const { consumer } = this.options;
    for (const topic of this.options.topics) {
      const partitions = this.assigned.get(topic) ?? [];
      if (!(await this.options.reads(topic))) {
        // every time: a consumer kafkajs restarted after a crash starts with nothing paused
        consumer.pause([{ topic }]);
        const ends = await this.ends(topic, partitions);
        // only the ends that moved: a quiet topic costs no commit (the webhooks': a database transaction each)
        const before = this.skipping.get(topic);
        const moved = ends.filter((end) => before?.find((b) => b.partition === end.partition)?.offset !== end.offset);
        if (moved.length > 0) await (this.options.skipTo ? this.options.skipTo(moved) : consumer.commitOffsets(moved));
        this.skipping.set(topic, ends);
        continue;
      }
      const last = this.skipping.get(topic);
      if (!last) continue;
      // a partition assigned since the last call has no end committed here: it resumes at its end now
      const held = last.filter((end) => partitions.includes(end.partition));
      const fresh = await this.ends(topic, partitions.filter((p) => !held.some((end) => end.partition === p)));
      for (const end of [...held, ...fresh]) consumer.seek(end);
      consumer.resume([{ topic }]);
      this.skipping.delete(topic);
    }
  }

  async close(): Promise<void> {
    if (this.adminConnected) await this.options.admin.disconnect();
  }

  private async ends(topic: string, partitions: readonly number[]): Promise<Offset[]> {
    if (partitions.length === 0) return [];
    if (!this.adminConnected) {
      await this.options.admin.connect();
      this.adminConnected = true;
    }
    // the high watermark: everything below it was produced while nothing here read the topic
    return (await this.options.admin.fetchTopicOffsets(topic)).filter((p) => partitions.includes(p.partition)).map((p) => ({ topic, partition: p.partition, offset: p.high }));
  }
}
