import type { RollupColumns } from './rows';

/**
 * The newest window start this sink has committed per series, for one
 * resolution: a rollup of a later window is most likely the first of its row,
 * so it can be COPYed in rather than upserted. Only a hint: a row that is
 * stored after all (a replay, another instance, a restart) makes the COPY fail
 * and the writer upsert instead. One number per series.
 */
export class RollupWindowCache {
  private readonly newest = new Map<string, number>();

  /** Indexes (ascending) of the rows whose window is later than any committed for their series. */
  fresh(columns: RollupColumns): number[] {
    const out: number[] = [];
    for (let i = 0; i < columns.path.length; i++) {
      const newest = this.newest.get(columns.path[i]!);
      if (newest === undefined || columns.bucket[i]! > newest) out.push(i);
    }
    return out;
  }

  /** Records the windows of a transaction that has committed. */
  committed(columns: RollupColumns): void {
    for (let i = 0; i < columns.path.length; i++) {
      const path = columns.path[i]!;
      const newest = this.newest.get(path);
      if (newest === undefined || columns.bucket[i]! > newest) this.newest.set(path, columns.bucket[i]!);
    }
  }
}
