import type { Admin, ITopicConfig } from 'kafkajs';

/** Errors a metadata request answers for a topic the cluster has created but not yet made known everywhere. */
const notYetKnown = new Set(['UNKNOWN_TOPIC_OR_PARTITION', 'LEADER_NOT_AVAILABLE']);

export interface CreateTopicsOptions {
  /** How long to wait for every partition to have a leader; default 30 s. */
  timeoutMs?: number;
  /** Between two metadata requests; default 100 ms. */
  pollMs?: number;
}

/**
 * Creates topics and resolves once every partition of each has a leader.
 *
 * Not kafkajs's `waitForLeaders`: it retries only LEADER_NOT_AVAILABLE, but a
 * KRaft broker answers a metadata request for a topic it created a moment ago
 * with UNKNOWN_TOPIC_OR_PARTITION until its metadata cache has caught up
 * (tulios/kafkajs#1222, #815), and kafkajs throws that. It made the rollup
 * processor exit on its first start against a new cluster.
 *
 * Returns false (as `createTopics` does) when every topic already existed.
 */
export async function createTopicsAndWait(admin: Admin, topics: ITopicConfig[], options: CreateTopicsOptions = {}): Promise<boolean> {
  const created = await admin.createTopics({ waitForLeaders: false, topics });
  const names = topics.map((t) => t.topic);
  const timeoutMs = options.timeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let lastProblem: string;
    try {
      const metadata = await admin.fetchTopicMetadata({ topics: names });
      const leaderless = metadata.topics.filter((t) => t.partitions.length === 0 || t.partitions.some((p) => p.leader < 0)).map((t) => t.name);
      if (leaderless.length === 0) return created;
      lastProblem = `no leader yet for ${leaderless.join(', ')}`;
    } catch (error) {
      // kafkajs's own retries wrap the broker's error
      const { type, originalError } = error as { type?: string; originalError?: { type?: string } };
      const problem = type ?? originalError?.type;
      if (!problem || !notYetKnown.has(problem)) throw error;
      lastProblem = problem;
    }
    if (Date.now() > deadline) throw new Error(`topics ${names.join(', ')} created, but not ready after ${timeoutMs / 1000} s: ${lastProblem}`);
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 100));
  }
}
