/**
 * How far the pipeline behind each input has come, as a wall-clock time:
 * "every reading produced before T has been read, and what the stages made
 * of it too". The no-data check measures a series' silence against that
 * time rather than against now, so a stage that lags or stops (the rollups
 * processor, or this processor catching up) cannot make a series look
 * silent: its clock stops with it.
 *
 * Each check, at time X, reads the consumer groups' committed offsets, then
 * samples the topics' end offsets: a group whose committed offset on a
 * partition has passed the end sampled at X had read everything produced
 * there before X (its `through` is X). Along a chain of stages it composes:
 * this processor through T on the 1h rollups has read every 1h rollup the
 * 1h stage had committed at a check before T, so it is complete through
 * what that stage was through at that check, and so on down to the raw
 * readings. Pure: the processor feeds it offsets.
 */

/** A consumer group's reading of a topic. */
export interface TopicReader {
  groupId: string;
  topic: string;
  /**
   * The topic is written in Kafka transactions only: each partition then ends
   * with a commit marker, which a consumer never commits past (kafkajs hands
   * it no record), so a committed offset one short of the end is at the end.
   */
  transactional: boolean;
}

/** Samples and observations kept per partition: a reader further behind than this many checks counts as not having read anything sampled. */
const MAX_KEPT = 5_000;

interface EndSample {
  at: number;
  end: bigint;
}

/** At the check at `at`, the reader had read everything produced before `through` (undefined: before no sample kept). */
interface Observation {
  at: number;
  through: number | undefined;
}

export class InputCompleteness {
  /** per topic and partition: end offsets sampled, oldest first */
  private readonly samples = new Map<string, EndSample[]>();
  /** per reader and partition: what each check saw of it, oldest first */
  private readonly observations = new Map<string, Observation[]>();

  /** The topic's end offsets, read at (or after) wall time `at`, after the committed offsets of this check were read. */
  sampleEnds(topic: string, ends: ReadonlyMap<number, bigint>, at: number): void {
    for (const [partition, end] of ends) {
      const list = listOf(this.samples, `${topic}\u0000${partition}`);
      const last = list[list.length - 1];
      // an unchanged end: the newer time says the same, and more
      if (last && last.end === end) last.at = at;
      else push(list, { at, end });
    }
  }

  /** Records the reader's committed offset on `partition` (undefined: nothing committed), read at the check at `at`, before its ends were sampled. */
  observe(reader: TopicReader, partition: number, committed: bigint | undefined, at: number): void {
    push(listOf(this.observations, readerKey(reader, partition)), { at, through: this.through(reader, partition, committed) });
  }

  /**
   * The time through which the chain of `readers` (the one reading the
   * input first, then the stage that writes its topic, and so on upstream)
   * has handled everything on `partition`; undefined when unknown.
   */
  clock(readers: readonly TopicReader[], partition: number): number | undefined {
    const [first, ...upstream] = readers;
    if (!first) return undefined;
    let through = this.observations.get(readerKey(first, partition))?.at(-1)?.through;
    for (const reader of upstream) {
      if (through === undefined) return undefined;
      const limit = through;
      // a check strictly before: what the stage had committed then is all in the topic sampled at `limit`
      const seen = this.observations.get(readerKey(reader, partition))?.findLast((o) => o.at < limit);
      through = seen?.through;
    }
    return through;
  }

  /** The newest sampled time whose end the committed offset has reached. */
  private through(reader: TopicReader, partition: number, committed: bigint | undefined): number | undefined {
    const list = this.samples.get(`${reader.topic}\u0000${partition}`) ?? [];
    const position = (committed === undefined || committed < 0n ? 0n : committed) + (reader.transactional ? 1n : 0n);
    for (let i = list.length - 1; i >= 0; i--) if (list[i]!.end <= position) return list[i]!.at;
    return undefined;
  }
}

function readerKey(reader: TopicReader, partition: number): string {
  return `${reader.groupId}\u0000${reader.topic}\u0000${partition}`;
}

function listOf<T>(map: Map<string, T[]>, key: string): T[] {
  let list = map.get(key);
  if (!list) map.set(key, (list = []));
  return list;
}

function push<T>(list: T[], item: T): void {
  list.push(item);
  if (list.length > MAX_KEPT) list.shift();
}
