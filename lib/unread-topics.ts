/**
 * Input topics a consumer has nothing to read from just now (no alert rule
 * reads raw readings, no automation is triggered by rollups, no webhook
 * subscription takes readings) are not fetched. Before, such records were
 * fetched and skipped undecoded: kafkajs's record decoding and the garbage
 * it makes still cost the alerts, automations and webhooks processes 3-11 %
 * of a core each with no rule, automation or subscription, at 10,000
 * readings/s (bench/late-backlog.bench.ts, the sampled CPU of a 300-device
 * backlog), CPU the live path lacked on a loaded machine.
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
}

export class UnreadTopics {
  /** Per topic paused here: the ends last committed for it, where it resumes. */
  private readonly skipping = new Map<string, Offset[]>();
  private adminConnected = false;

  constructor(private readonly options: UnreadTopicsOptions) {}

  /**
   * Pauses the topics nothing reads now and commits the ends of their
   * partitions in `assigned` (topic -> partitions this member holds); resumes
   * the paused topics read again where their ends were last committed, so a
   * record produced since the last call is read. Call it one at a time with
   * the processor's own commits (a quiet offset committed after an end only
   * means a batch is read again).
   */
  async update(assigned: ReadonlyMap<string, readonly number[]>): Promise<void> {
    const { consumer } = this.options;
    for (const topic of this.options.topics) {
      const partitions = assigned.get(topic) ?? [];
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
