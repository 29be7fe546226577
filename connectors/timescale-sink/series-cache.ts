import type { SeriesColumns } from './rows';

interface KnownSeries {
  firstSeen: number;
  lastSeen: number;
  kind: string;
  unit: string | null;
}

/**
 * What this sink last committed to the series catalogue, per path, so a batch
 * rewrites only the catalogue rows it would change: a new series, an earlier
 * first reading, a new kind or unit, or a last reading at least `granularityMs`
 * past the committed one. Without it every batch rewrites every series row it
 * touches, which cost a third of the raw write path (bench/sinks.bench.ts).
 *
 * So `last_seen` lags the newest stored reading by less than the granularity.
 * The cache only ever skips writes the database would also make no-ops or
 * that are within the granularity; the upsert's least/greatest keep the row
 * right when several sink instances or a replay write the same series.
 */
export class SeriesCache {
  private readonly known = new Map<string, KnownSeries>();

  constructor(private readonly granularityMs: number) {}

  /** The rows of `series` that must be written. */
  pending(series: SeriesColumns): SeriesColumns {
    const out: SeriesColumns = { path: [], tenant: [], site: [], device: [], metric: [], kind: [], unit: [], firstSeen: [], lastSeen: [] };
    for (let i = 0; i < series.path.length; i++) {
      const known = this.known.get(series.path[i]!);
      const lastSeen = series.lastSeen[i]!;
      const stale = !known
        || series.firstSeen[i]! < known.firstSeen
        || lastSeen >= known.lastSeen + Math.max(this.granularityMs, 1)
        || (lastSeen >= known.lastSeen && (series.kind[i] !== known.kind || series.unit[i] !== known.unit));
      if (!stale) continue;
      for (const key of Object.keys(out) as (keyof SeriesColumns)[]) (out[key] as unknown[]).push(series[key][i]);
    }
    return out;
  }

  /** Records rows written by a transaction that has committed. */
  committed(written: SeriesColumns): void {
    for (let i = 0; i < written.path.length; i++) {
      const path = written.path[i]!;
      const known = this.known.get(path);
      const newer = !known || written.lastSeen[i]! >= known.lastSeen;
      this.known.set(path, {
        firstSeen: known ? Math.min(known.firstSeen, written.firstSeen[i]!) : written.firstSeen[i]!,
        lastSeen: newer ? written.lastSeen[i]! : known.lastSeen,
        kind: newer ? written.kind[i]! : known.kind,
        unit: newer ? written.unit[i]! : known.unit,
      });
    }
  }
}
