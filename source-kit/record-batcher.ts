/**
 * Collects records from many callers into one send: kafkajs sends what it is
 * given and does not batch on its own. A batch goes out when it holds
 * `maxRecords`, when `maxWaitMs` passed since its first record, or as soon as
 * the previous send finished (what piled up meanwhile is the next batch), so
 * under load batches grow by themselves and at low rates nothing waits long.
 * A send holds at most `maxRecords` and `bytes.max` (but always a caller's
 * records whole): a partition's record batch larger than the broker's
 * message.max.bytes is refused for good, and a connector that retries it
 * forever takes nothing more.
 * One send at a time: the idempotent producer allows no more, so under load
 * the size of a send is what sets the connector's throughput.
 */
export interface RecordBatcherOptions<T> {
  maxRecords: number;
  maxWaitMs: number;
  /** Most bytes in one send, as `sizeOf` counts a record's. Default: no limit. */
  bytes?: { max: number; sizeOf(record: T): number };
  send(records: T[]): Promise<void>;
}

interface Waiter<T> {
  records: T[];
  bytes: number;
  resolve(): void;
  reject(error: unknown): void;
}

export class RecordBatcher<T> {
  private waiters: Waiter<T>[] = [];
  private pendingRecords = 0;
  private pendingBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private sending: Promise<void> | undefined;

  constructor(private readonly options: RecordBatcherOptions<T>) {}

  private get maxBytes(): number {
    return this.options.bytes?.max ?? Infinity;
  }

  /** Resolves once a send that included these records succeeded; rejects if it failed. */
  add(records: T[]): Promise<void> {
    let bytes = 0;
    const sizeOf = this.options.bytes?.sizeOf;
    if (sizeOf) for (const record of records) bytes += sizeOf(record);
    return new Promise<void>((resolve, reject) => {
      this.waiters.push({ records, bytes, resolve, reject });
      this.pendingRecords += records.length;
      this.pendingBytes += bytes;
      if (this.pendingRecords >= this.options.maxRecords || this.pendingBytes >= this.maxBytes) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.options.maxWaitMs);
    });
  }

  /** Records waiting for the next send. */
  get pending(): number {
    return this.pendingRecords;
  }

  /** Waits for the send under way and sends what is left. */
  async drain(): Promise<void> {
    while (this.sending || this.waiters.length > 0) {
      if (!this.sending) this.flush();
      await this.sending?.catch(() => undefined);
    }
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.sending || this.waiters.length === 0) return;
    let taken = 0;
    let count = 0;
    let bytes = 0;
    for (; taken < this.waiters.length; taken++) {
      const next = this.waiters[taken]!;
      if (taken > 0 && (count + next.records.length > this.options.maxRecords || bytes + next.bytes > this.maxBytes)) break;
      count += next.records.length;
      bytes += next.bytes;
    }
    const waiters = this.waiters.splice(0, taken);
    this.pendingRecords -= count;
    this.pendingBytes -= bytes;
    const records = waiters.length === 1 ? waiters[0]!.records : waiters.flatMap((w) => w.records);
    const settle = (report: () => void) => {
      // start the next send before the callers of this one resume
      this.sending = undefined;
      if (this.waiters.length > 0) this.flush();
      report();
    };
    this.sending = this.options.send(records).then(
      () => settle(() => waiters.forEach((w) => w.resolve())),
      (error: unknown) => settle(() => waiters.forEach((w) => w.reject(error))),
    );
  }
}
