/**
 * Group commit of a stream processor's transactions: work (outputs, consumed
 * offsets) handed in while a transaction is in flight waits and goes out with
 * the others in the next one, so a processor that commits every batch pays one
 * transaction per round trip of the coordinator, not one per batch of each of
 * its partitions. Each `add` resolves once its work is committed, and rejects
 * when the transaction that held it failed for good; then the work handed in
 * meanwhile, which was built on the failed work's state, fails too.
 */
import { pushOutputs, type PartitionOffset, type TopicOffsets, type TopicOutputs } from './kafka-transaction';

export interface Work {
  outputs: TopicOutputs;
  /** where consumption of a topic-partition resumes once this is committed */
  consumed?: { topic: string; partition: number; offset: string };
}

class Pending {
  readonly outputs: TopicOutputs = new Map();
  /** topic -> partition -> offset */
  readonly consumed = new Map<string, Map<number, string>>();
  count = 0;
  readonly settled: Promise<void>;
  resolve: () => void = () => undefined;
  reject: (error: unknown) => void = () => undefined;

  constructor() {
    this.settled = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    // nobody may be waiting (timers hand work in without waiting): a failure is reported through onFailure
    this.settled.catch(() => undefined);
  }

  take(work: Work): void {
    for (const [topic, messages] of work.outputs) pushOutputs(this.outputs, topic, messages);
    if (work.consumed) {
      const { topic, partition, offset } = work.consumed;
      let partitions = this.consumed.get(topic);
      if (!partitions) this.consumed.set(topic, (partitions = new Map()));
      const held = partitions.get(partition);
      if (held === undefined || BigInt(offset) > BigInt(held)) partitions.set(partition, offset);
    }
    this.count++;
  }

  offsets(): TopicOffsets[] {
    return [...this.consumed].map(([topic, partitions]) => ({ topic, partitions: [...partitions].map(([partition, offset]): PartitionOffset => ({ partition, offset })) }));
  }
}

export class GroupCommit {
  private pending = new Pending();
  private inFlight = false;

  constructor(
    private readonly transact: (outputs: TopicOutputs, consumed: TopicOffsets[]) => Promise<void>,
    /** Called once per failed transaction, before the waiters hear of it: the caller drops the state the work was built on. */
    private readonly onFailure: (error: unknown) => void,
  ) {}

  /** Hands work in; resolves once it is committed. */
  add(work: Work): Promise<void> {
    const pending = this.pending;
    pending.take(work);
    this.next();
    return pending.settled;
  }

  /** Settles once nothing is pending or in flight. */
  async idle(): Promise<void> {
    while (this.inFlight || this.pending.count > 0) await this.pending.settled.catch(() => undefined);
  }

  private next(): void {
    if (this.inFlight || this.pending.count === 0) return;
    const work = this.pending;
    this.pending = new Pending();
    this.inFlight = true;
    void this.transact(work.outputs, work.offsets()).then(
      () => {
        this.inFlight = false;
        work.resolve();
        this.next();
      },
      (error: unknown) => {
        this.inFlight = false;
        this.onFailure(error);
        const built = this.pending;
        this.pending = new Pending();
        work.reject(error);
        built.reject(error);
      },
    );
  }
}
