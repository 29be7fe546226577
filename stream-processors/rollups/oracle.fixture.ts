/** Helpers of the oracle, crash and rebalance tests: final rollups out of a topic, their comparison with expected ones, the process environment. */
import type { Rollup } from '../../schemas/types';
import { eventually } from '../../test/factories';
import type { ReadRecord } from '../../test/topic-reader';
import type { ExpectedRollup } from './oracle-dataset';
import { correctionRevision } from './window-aggregate';
import type { Measurement } from '../../schemas/types';
import type { DatasetReading, DatasetSeries } from './oracle-dataset';

const ms = (t: unknown) => (t instanceof Date ? t.getTime() : Number(t));
/** a ["null", "double"] union, however the deserializer hands it over */
const nullableNumber = (v: unknown): number | null => (v === null || v === undefined ? null : typeof v === 'object' ? Number(Object.values(v)[0]) : Number(v));

/** A decoded Rollup record with times as epoch ms and longs as numbers. */
export function normalizeRollup(value: Rollup): Rollup {
  return {
    ...value,
    windowStart: ms(value.windowStart),
    windowEnd: ms(value.windowEnd),
    firstTime: ms(value.firstTime),
    lastTime: ms(value.lastTime),
    computedAt: ms(value.computedAt),
    count: Number(value.count),
    revision: Number(value.revision),
    resets: Number(value.resets),
    delta: nullableNumber(value.delta),
  };
}

export interface Finals {
  /** the highest final revision of each window, keyed `path@windowStart` */
  finals: Map<string, Rollup>;
  /** windows whose final rollup was emitted more than once with different values (a store would flip between them) */
  conflicting: string[];
  /** windows whose final rollup was emitted (and committed) more than once by a stage (corrections aside) */
  repeated: string[];
}

export function finalRollups(records: readonly ReadRecord<Rollup>[]): Finals {
  const finals = new Map<string, Rollup>();
  const conflicting: string[] = [];
  const emitted = new Map<string, number>();
  for (const record of records) {
    const r = normalizeRollup(record.value);
    if (!r.final) continue;
    const key = `${r.path}@${r.windowStart}`;
    if (r.revision < correctionRevision(0)) emitted.set(key, (emitted.get(key) ?? 0) + 1);
    const kept = finals.get(key);
    if (kept && kept.revision === r.revision && !sameValues(kept, r)) conflicting.push(key);
    if (!kept || kept.revision < r.revision) finals.set(key, r);
  }
  return { finals, conflicting, repeated: [...emitted].filter(([, n]) => n > 1).map(([key]) => key) };
}

function sameValues(a: Rollup, b: Rollup): boolean {
  return a.count === b.count && a.sum === b.sum && a.min === b.min && a.max === b.max && a.first === b.first && a.last === b.last && a.delta === b.delta && a.resets === b.resets;
}

const close = (a: number | null, b: number | null) => (a === null || b === null ? a === b : Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b), 1e-12));

/**
 * Every difference between the expected rollups and the final ones of the
 * windows ending at or before `until`, one line each (none: they agree).
 * Counts, min/max/first/last and times exact; sum and delta within 1e-9 relative.
 */
export function rollupDifferences(expected: ReadonlyMap<string, ExpectedRollup>, finals: ReadonlyMap<string, ExpectedRollup>, until: number): string[] {
  const problems: string[] = [];
  const compared = [...finals].filter(([, r]) => r.windowEnd <= until);
  for (const key of expected.keys()) if (!finals.has(key)) problems.push(`${key}: no final rollup`);
  for (const [key, actual] of compared) {
    const e = expected.get(key);
    if (!e) {
      problems.push(`${key}: a final rollup of a window with no readings (count ${actual.count})`);
      continue;
    }
    const exact = ['count', 'min', 'max', 'first', 'firstTime', 'last', 'lastTime', 'resets', 'windowEnd', 'kind'] as const;
    for (const field of exact) if (actual[field] !== e[field]) problems.push(`${key}: ${field} ${String(actual[field])}, expected ${String(e[field])}`);
    for (const field of ['sum', 'delta'] as const) if (!close(actual[field], e[field])) problems.push(`${key}: ${field} ${String(actual[field])}, expected ${String(e[field])}`);
  }
  return problems;
}

/** Waits until a reader of a rollup topic holds a final rollup for every one of `keys`. */
export async function waitForFinals(records: readonly ReadRecord<Rollup>[], keys: Iterable<string>, what: string, timeoutMs: number): Promise<Finals> {
  const wanted = [...keys];
  return eventually(
    () => {
      const f = finalRollups(records);
      return wanted.every((k) => f.finals.has(k)) ? f : undefined;
    },
    `${what}: final rollups of ${wanted.length} windows`,
    timeoutMs,
    250,
  );
}

/** A dataset reading as the Measurement record the source connector would produce. */
export function measurementOf(series: ReadonlyMap<string, DatasetSeries>, r: DatasetReading): Measurement {
  const s = series.get(r.path)!;
  return { path: s.path, tenant: s.tenant, site: s.site, device: s.device, metric: s.metric, kind: s.kind, timestamp: r.ts, value: r.value, unit: null, tags: {}, receivedAt: r.ts, sourceTopic: null };
}
