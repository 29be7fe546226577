/**
 * Collects records from many callers into one send: kafkajs sends what it is
 * given and does not batch on its own. A batch goes out when it holds
 * `maxRecords`, when `maxWaitMs` passed since its first record, or as soon as
 * the previous send finished (what piled up meanwhile is the next batch), so
 * under load batches grow by themselves and at low rates nothing waits long.
 * A send holds at most `maxRecords` (but always a caller's records whole):
 * kafkajs groups a send's records by partition in time quadratic in their
 * number (tulios/kafkajs#1576), which took an eighth of the connector's CPU
 * when sends grew to many thousands under overload.
 * One send at a time: the idempotent producer allows no more.
 */
export interface RecordBatcherOptions<T> {
  maxRecords: number;
  maxWaitMs: number;
  send(records: T[]): Promise<void>;
}

interface Waiter<T> {
  records: T[];
  resolve(): void;
  reject(error: unknown): void;
}

export class RecordBatcher<T> {
  private waiters: Waiter<T>[] = [];
  private pendingRecords = 0;
  private timer: NodeJS.Timeout | undefined;
  private sending: Promise<void> | undefined;

  constructor(private readonly options: RecordBatcherOptions<T>) {}

  /** Resolves once a send that included these records succeeded; rejects if it failed. */
  add(records: T[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.waiters.push({ records, resolve, reject });
      this.pendingRecords += records.length;
      if (this.pendingRecords >= this.options.maxRecords) this.flush();
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
    while (taken < this.waiters.length && (taken === 0 || count + this.waiters[taken]!.records.length <= this.options.maxRecords)) {
      count += this.waiters[taken]!.records.length;
      taken++;
    }
    const waiters = this.waiters.splice(0, taken);
    this.pendingRecords -= count;
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
