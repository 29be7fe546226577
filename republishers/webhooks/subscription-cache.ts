/**
 * The enabled subscriptions, read again from PostgreSQL once they are older
 * than the refresh interval: a batch of source records is matched against a
 * list at most that old, and delivery rounds send to what it holds.
 */
import type { OutboxStore } from './outbox-store';
import type { Subscription } from './subscription';

export class SubscriptionCache {
  private list: Subscription[] = [];
  private readAt = -Infinity;
  private reading: Promise<Subscription[]> | undefined;

  constructor(
    private readonly store: OutboxStore,
    private readonly refreshMs: number,
  ) {}

  /** The subscriptions, read again first when the list is older than the refresh interval. */
  async fresh(): Promise<Subscription[]> {
    if (performance.now() - this.readAt < this.refreshMs) return this.list;
    this.reading ??= this.store.subscriptions().then(
      (list) => {
        this.list = list;
        this.readAt = performance.now();
        this.reading = undefined;
        return list;
      },
      (error: unknown) => {
        this.reading = undefined;
        throw error;
      },
    );
    return this.reading;
  }

  /** What was last read, without reading. */
  current(): Subscription[] {
    return this.list;
  }

  /** Takes a subscription out at once (a 410 disabled it), before the next read says so. */
  drop(id: string): void {
    this.list = this.list.filter((s) => s.id !== id);
  }
}
