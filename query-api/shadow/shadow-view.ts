/**
 * This replica's view of every device's shadow, fed from the compacted
 * fleet.shadows.v1 by a consumer of its own, and how far it has read each
 * partition. Versions only go up (a deleted shadow keeps counting), so a
 * record older than the one held, as a consumer that starts over reads
 * them, is ignored. Pure: the feed calls it.
 */

export interface StoredShadow {
  version: number;
  deleted: boolean;
  /** the document as JSON, as GET answers it */
  document: string;
}

interface Waiter {
  partition: number;
  offset: bigint;
  resolve: () => void;
}

export class ShadowView {
  private readonly shadows = new Map<string, StoredShadow>();
  /** partition -> the next offset to read */
  private readonly positions = new Map<number, bigint>();
  private waiters: Waiter[] = [];

  get(deviceKey: string): StoredShadow | undefined {
    return this.shadows.get(deviceKey);
  }

  take(deviceKey: string, shadow: StoredShadow): void {
    const held = this.shadows.get(deviceKey);
    if (!held || shadow.version >= held.version) this.shadows.set(deviceKey, shadow);
  }

  /** The feed has read `partition` up to `nextOffset` (exclusive). */
  advance(partition: number, nextOffset: bigint): void {
    if (nextOffset <= this.position(partition)) return;
    this.positions.set(partition, nextOffset);
    const [due, waiting] = partition2(this.waiters, (w) => this.reached(w.partition, w.offset));
    this.waiters = waiting;
    for (const w of due) w.resolve();
  }

  position(partition: number): bigint {
    return this.positions.get(partition) ?? 0n;
  }

  reached(partition: number, offset: bigint): boolean {
    return this.position(partition) >= offset;
  }

  /** Resolves true once `partition` is read up to `offset`, false after `timeoutMs`. */
  until(partition: number, offset: bigint, timeoutMs: number): Promise<boolean> {
    if (this.reached(partition, offset)) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter: Waiter = { partition, offset, resolve: () => { clearTimeout(timer); resolve(true); } };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve(false);
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  get size(): number {
    return this.shadows.size;
  }
}

function partition2<T>(items: T[], test: (item: T) => boolean): [T[], T[]] {
  const yes: T[] = [];
  const no: T[] = [];
  for (const item of items) (test(item) ? yes : no).push(item);
  return [yes, no];
}
