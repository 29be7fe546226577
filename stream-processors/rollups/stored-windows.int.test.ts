/**
 * Rollup values recomputed from the stored raw readings (stored-windows.ts),
 * against real PostgreSQL tables made by the real migrations: they must equal
 * `summarizeReadings` over the same readings, for every kind of window the
 * corrector may ask for, in one statement per batch.
 */
import type { Pool } from 'pg';
import { tableNames } from '../../schemas/tables';
import type { ParameterKind } from '../../schemas/types';
import { freshDatabaseSchema } from '../../test/factories';
import { createTables } from '../../test/table-fixtures';
import { seededRandom } from './oracle-dataset';
import { nextStoredReadingTimes, summarizeStoredWindows, type Queryable, type WindowRequest } from './stored-windows';
import { summarizeReadings, type Reading, type RollupValues } from './window-aggregate';

const second = 1000;
const minute = 60 * second;
const hour = 60 * minute;
const day = 24 * hour;
const day0 = Date.UTC(2024, 2, 10);
const sizes = [minute, hour, day];

let pool: Pool;
let measurements: string;

beforeAll(async () => {
  const database = await freshDatabaseSchema();
  pool = database.pool;
  await createTables(pool, database.schema, []);
  measurements = tableNames(database.schema, []).measurements;
});

async function store(path: string, readings: readonly Reading[]): Promise<void> {
  await pool.query(
    `insert into ${measurements} (path, time, value, received_at)
     select $1, timestamptz 'epoch' + ms * interval '1 millisecond', value, now() from unnest($2::float8[], $3::float8[]) as r(ms, value)`,
    [path, readings.map((r) => r.time), readings.map((r) => r.value)],
  );
}

/** The pool, counting the statements sent through it. */
function countingStatements(): Queryable & { statements: number } {
  const db = {
    statements: 0,
    query: (text: string, values?: unknown[]) => {
      db.statements++;
      return pool.query(text, values);
    },
  };
  return db;
}

/** Sums and deltas within 1e-9 relative (SQL may add in another order); everything else exactly. */
function expectValues(actual: RollupValues | null, expected: RollupValues | null, what: string): void {
  if (expected === null || actual === null) {
    expect({ what, actual }).toEqual({ what, actual: expected });
    return;
  }
  const close = (a: number | null, e: number | null) => (a === null || e === null ? a === e : Math.abs(a - e) <= 1e-9 * Math.max(1, Math.abs(e)));
  expect({ what, ...actual, sum: close(actual.sum, expected.sum), delta: close(actual.delta, expected.delta) }).toEqual({ what, ...expected, sum: true, delta: true });
}

/** The stored readings of one series in time order, and `summarizeReadings` over any window of them. */
class StoredSeries {
  constructor(
    readonly path: string,
    readonly kind: ParameterKind,
    readonly readings: Reading[],
  ) {}

  /** index of the first reading at or after `time` */
  indexAt(time: number): number {
    let lo = 0;
    let hi = this.readings.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.readings[mid]!.time < time) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  previousBefore(time: number): Reading | undefined {
    return this.readings[this.indexAt(time) - 1];
  }

  windowOf(start: number, end: number): Reading[] {
    return this.readings.slice(this.indexAt(start), this.indexAt(end));
  }

  expected(start: number, end: number): RollupValues | null {
    const window = this.windowOf(start, end);
    return window.length === 0 ? null : summarizeReadings(this.kind, window, this.previousBefore(start));
  }

  request(start: number, size: number): WindowRequest {
    return { path: this.path, kind: this.kind, windowStart: start, windowEnd: start + size };
  }
}

/**
 * Irregular readings over [from, to), whole seconds, some exactly on a minute
 * boundary; energy is a counter that sometimes stays put and sometimes resets.
 */
function irregularReadings(random: () => number, kind: ParameterKind, from: number, to: number, meanGapMs: number): Reading[] {
  const readings: Reading[] = [];
  let counter = 1000 * random();
  for (let time = from; time < to; ) {
    let value: number;
    if (kind === 'energy') {
      const step = random();
      if (step < 0.02) counter = counter * random() * 0.5; // a reset
      else if (step > 0.1) counter += random() * 0.8; // else the counter did not move
      value = counter;
    } else if (kind === 'additive') value = Math.round(random() * 50) / 10;
    else value = 20 + 8 * Math.sin(time / (3 * hour)) + random();
    readings.push({ time, value });
    const next = time + Math.max(second, Math.round((random() * 2 * meanGapMs) / second) * second);
    time = random() < 0.08 ? Math.ceil(next / minute) * minute : next;
  }
  return readings;
}

describe('summarizeStoredWindows', () => {
  test('a hand-computed energy window: the previous reading before it, a reading at its start (in) and at its end (out), a counter reset', async () => {
    const path = '/hand/site/meter/energy_kwh';
    await store(path, [
      { time: day0 - 30 * day, value: 10 }, // the series' first reading, long before
      { time: day0, value: 12 }, // at the window start: increment 2
      { time: day0 + 20 * second, value: 15 }, // +3
      { time: day0 + 40 * second, value: 4 }, // reset: +4
      { time: day0 + 50 * second, value: 4 }, // +0
      { time: day0 + minute, value: 100 }, // at the window end: not in it
    ]);
    const [window, firstWindow, next] = await summarizeStoredWindows(pool, measurements, [
      { path, kind: 'energy', windowStart: day0, windowEnd: day0 + minute },
      { path, kind: 'energy', windowStart: day0 - 30 * day, windowEnd: day0 - 30 * day + minute },
      { path, kind: 'energy', windowStart: day0 + minute, windowEnd: day0 + 2 * minute },
    ]);
    expect(window).toEqual({ count: 4, sum: 35, min: 4, max: 15, first: 12, firstTime: day0, last: 4, lastTime: day0 + 50 * second, delta: 9, resets: 1 });
    // its first reading has no reading before it: increment 0
    expect(firstWindow).toEqual({ count: 1, sum: 10, min: 10, max: 10, first: 10, firstTime: day0 - 30 * day, last: 10, lastTime: day0 - 30 * day, delta: 0, resets: 0 });
    expect(next).toEqual({ count: 1, sum: 100, min: 100, max: 100, first: 100, firstTime: day0 + minute, last: 100, lastTime: day0 + minute, delta: 96, resets: 0 });
  });

  test('a window without stored readings is null; a gauge has no delta and no resets', async () => {
    const path = '/hand/site/room/temperature';
    await store(path, [
      { time: day0 + 10 * second, value: 21.5 },
      { time: day0 + 20 * second, value: 19 },
      { time: day0 + 30 * second, value: 22 },
    ]);
    const values = await summarizeStoredWindows(pool, measurements, [
      { path, kind: 'non_additive', windowStart: day0 + minute, windowEnd: day0 + 2 * minute },
      { path, kind: 'non_additive', windowStart: day0, windowEnd: day0 + minute },
      { path: '/hand/site/room/unknown', kind: 'non_additive', windowStart: day0, windowEnd: day0 + minute },
    ]);
    expect(values).toEqual([
      null,
      { count: 3, sum: 62.5, min: 19, max: 22, first: 21.5, firstTime: day0 + 10 * second, last: 22, lastTime: day0 + 30 * second, delta: null, resets: 0 },
      null,
    ]);
  });

  test('equals summarizeReadings over seeded random series, for many windows of every kind in arbitrary order, in one statement', async () => {
    const random = seededRandom(1414);
    const series = [
      new StoredSeries('/seed/site/meter1/energy_kwh', 'energy', irregularReadings(random, 'energy', day0, day0 + 2 * day, 40 * second)),
      // a gap of 40 days between its first reading and the rest
      new StoredSeries('/seed/site/meter2/energy_kwh', 'energy', [
        { time: day0 - 40 * day, value: 5 },
        ...irregularReadings(random, 'energy', day0 + 10 * hour, day0 + 12 * hour, 20 * second),
      ]),
      // sparse: most windows have one reading or none
      new StoredSeries('/seed/site/meter3/energy_kwh', 'energy', irregularReadings(random, 'energy', day0, day0 + 2 * day, 50 * minute)),
      // one reading every 15 s, on every window boundary
      new StoredSeries('/seed/site/meter4/energy_kwh', 'energy', irregularReadings(() => 0.25, 'energy', day0 + hour, day0 + 4 * hour, 30 * second)),
      new StoredSeries('/seed/site/gauge1/rain_mm', 'additive', irregularReadings(random, 'additive', day0, day0 + 2 * day, 90 * second)),
      new StoredSeries('/seed/site/gauge1/temperature', 'non_additive', [
        ...irregularReadings(random, 'non_additive', day0 + 6 * hour, day0 + 20 * hour, 30 * second),
        ...irregularReadings(random, 'non_additive', day0 + 23 * hour, day0 + 2 * day, 30 * second),
      ]),
    ];
    for (const s of series) await store(s.path, s.readings);

    const requests: WindowRequest[] = [];
    for (const s of series) {
      const first = s.readings[0]!.time;
      const last = s.readings[s.readings.length - 1]!.time;
      for (const size of [hour, day]) {
        for (let start = Math.floor(first / size) * size - size; start <= last + size; start += size) requests.push(s.request(start, size));
      }
      // every minute of three hours in a row (what a backlog invalidates), one run with the readings' minutes below
      const stretch = Math.floor(first / minute) * minute;
      for (let start = stretch; start < stretch + 3 * hour; start += minute) requests.push(s.request(start, minute));
      // the minutes of some readings, and some random minutes (many empty)
      for (let i = 0; i < 60; i++) {
        const reading = s.readings[Math.floor(random() * s.readings.length)]!;
        requests.push(s.request(Math.floor(reading.time / minute) * minute, minute));
        requests.push(s.request(Math.floor((first + random() * (last - first)) / minute) * minute, minute));
      }
    }
    for (let i = 0; i < 40; i++) requests.push({ ...requests[Math.floor(random() * requests.length)]! });
    for (let i = requests.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [requests[i], requests[j]] = [requests[j]!, requests[i]!];
    }

    const db = countingStatements();
    const values = await summarizeStoredWindows(db, measurements, requests);

    expect(db.statements).toBe(1);
    expect(values).toHaveLength(requests.length);
    const byPath = new Map(series.map((s) => [s.path, s]));
    requests.forEach((r, i) => {
      expectValues(values[i]!, byPath.get(r.path)!.expected(r.windowStart, r.windowEnd), `${r.path} [${r.windowStart}, ${r.windowEnd})`);
    });

    // the requests really cover what this test claims
    const cases = requests.map((r, i) => {
      const s = byPath.get(r.path)!;
      const value = values[i]!;
      const previous = s.previousBefore(r.windowStart);
      return {
        empty: value === null,
        oneReading: value?.count === 1,
        reset: (value?.resets ?? 0) > 0,
        noPrevious: value !== null && r.kind === 'energy' && previous === undefined,
        previousLongBefore: value !== null && r.kind === 'energy' && previous !== undefined && r.windowStart - previous.time > 30 * day,
        readingAtStart: value?.firstTime === r.windowStart,
        readingAtEnd: value !== null && s.readings[s.indexAt(r.windowEnd)]?.time === r.windowEnd,
        nonEnergy: value !== null && r.kind !== 'energy',
      };
    });
    const uncovered = (Object.keys(cases[0]!) as (keyof (typeof cases)[number])[]).filter((key) => !cases.some((c) => c[key]));
    expect(uncovered).toEqual([]);
    const keys = requests.map((r) => `${r.path}@${r.windowStart}/${r.windowEnd}`);
    expect(new Set(keys).size).toBeLessThan(keys.length);
    expect(sizes.every((size) => requests.some((r) => r.windowEnd - r.windowStart === size))).toBe(true);
  });

  test('a 1d window of a 1 Hz series (86,400 readings) in one statement', async () => {
    const random = seededRandom(86_400);
    const s = new StoredSeries('/day/site/meter/energy_kwh', 'energy', [{ time: day0 - hour, value: 50 }]);
    let counter = 50;
    for (let i = 0; i < 86_400; i++) {
      counter = random() < 0.0005 ? random() : counter + random() * 0.01;
      s.readings.push({ time: day0 + i * second, value: counter });
    }
    await store(s.path, s.readings);

    const db = countingStatements();
    const [value] = await summarizeStoredWindows(db, measurements, [s.request(day0, day)]);

    expect(db.statements).toBe(1);
    expect(value?.count).toBe(86_400);
    expect(value?.resets).toBeGreaterThan(0);
    expectValues(value!, s.expected(day0, day0 + day), 'the day');
  });

  test('no requests: no statement', async () => {
    const db = countingStatements();
    expect(await summarizeStoredWindows(db, measurements, [])).toEqual([]);
    expect(await nextStoredReadingTimes(db, measurements, [])).toEqual([]);
    expect(db.statements).toBe(0);
  });
});

describe('nextStoredReadingTimes', () => {
  test('the first stored reading at or after `from`, per request in order, in one statement', async () => {
    const path = '/next/site/meter/energy_kwh';
    const other = '/next/site/meter2/energy_kwh';
    await store(path, [
      { time: day0, value: 1 },
      { time: day0 + 90 * second, value: 2 },
    ]);
    await store(other, [{ time: day0 + 5 * second, value: 1 }]);

    const db = countingStatements();
    const times = await nextStoredReadingTimes(db, measurements, [
      { path, from: day0 + 90 * second }, // exactly at a reading
      { path, from: day0 + 1 }, // after one, before the next
      { path, from: day0 - day }, // long before
      { path, from: day0 + 90 * second + 1 }, // after the last
      { path: other, from: day0 }, // another series
      { path: '/next/site/none/energy_kwh', from: day0 }, // no such series
      { path, from: day0 + 1 }, // the same request again
    ]);

    expect(db.statements).toBe(1);
    expect(times).toEqual([day0 + 90 * second, day0 + 90 * second, day0, null, day0 + 5 * second, null, day0 + 90 * second]);
  });
});
