/* eslint-disable @typescript-eslint/no-explicit-any -- JSON answers are checked field by field */
/**
 * Answers computed from rollups say which series miss readings the rollups
 * left out (too_old_readings), and answers from raw rows never do. The tables
 * are filled directly: raw rows with every reading, rollups computed without
 * the too-old ones (as the rollups processor leaves them out), and the
 * too_old_readings rows.
 */
import type { Pool } from 'pg';
import { freshDatabaseSchema, freshKeyPrefix, onCleanup, testSettings } from '../test/factories';
import type { GeneratedReading, SeriesSpec } from '../test/generated-readings';
import { oracleRollups } from '../test/oracle-rollups';
import { createTables, storeReadings, storeRollups, storeTooOldReadings } from '../test/table-fixtures';
import { start } from './index';

const s = 1000;
const m = 60 * s;
const h = 60 * m;
const d = 24 * h;
const day0 = Date.UTC(2024, 2, 1);
const token = 'acme-token-0123456789abcdef';

const kwh: SeriesSpec = { path: '/acme/plant1/meter1/kwh', kind: 'energy', unit: 'kWh' };
const litres: SeriesSpec = { path: '/acme/plant1/pump1/litres', kind: 'additive', unit: 'L' };
const temp: SeriesSpec = { path: '/acme/plant1/room1/temp', kind: 'non_additive', unit: 'degC' };
const series = [kwh, litres, temp];
const resolutions = { '1m': m, '1h': h, '1d': d };

/** kWh counter: 1.5 kWh every 10 minutes, linear, so a reading between two others has the value between theirs */
const counter = (time: number) => 1000 + (1.5 * (time - day0)) / (10 * m);

/** Every 10 minutes over two days; no litres in the hour from day0 + 20h. */
const onTime: GeneratedReading[] = series.flatMap((spec) =>
  Array.from({ length: (2 * d) / (10 * m) }, (_, i) => day0 + i * 10 * m)
    .filter((time) => !(spec === litres && time >= day0 + 20 * h && time < day0 + 21 * h))
    .map((time, i) => ({ path: spec.path, time, value: spec === kwh ? counter(time) : spec === litres ? 3 : 20 + (i % 7) })),
);

/** Stored raw, left out of every rollup. */
const tooOld = {
  /** alone in its minute: `auto` reads that minute raw */
  tempAlone: { path: temp.path, time: day0 + 3 * h + 15 * m, value: 50 },
  /** in the minute of the on-time reading at 3h20 */
  tempSharing: { path: temp.path, time: day0 + 3 * h + 20 * m + 30 * s, value: 60 },
  /** the litres hour with no on-time reading: no 1m or 1h rollup row there at all */
  litresEarly: { path: litres.path, time: day0 + 20 * h + 15 * m, value: 4 },
  litresLate: { path: litres.path, time: day0 + 20 * h + 45 * m, value: 5 },
  /** just before the hour from day0 + 1d + 6h, alone in its minute */
  kwhBeforeHour: { path: kwh.path, time: day0 + d + 5 * h + 55 * m, value: counter(day0 + d + 5 * h + 55 * m) },
  tempBeforeHour: { path: temp.path, time: day0 + d + 5 * h + 55 * m, value: 40 },
  /** alone in its minute, between the on-time readings at 3h00 and 3h10 */
  kwhAlone: { path: kwh.path, time: day0 + 3 * h + 5 * m, value: counter(day0 + 3 * h + 5 * m) },
} satisfies Record<string, GeneratedReading>;

let pool: Pool;
let base: string;

beforeAll(async () => {
  let schema: string;
  ({ pool, schema } = await freshDatabaseSchema());
  await createTables(pool, schema, Object.keys(resolutions));
  const late = Object.values(tooOld);
  await storeReadings(pool, schema, series, [...onTime, ...late]);
  for (const [name, ms] of Object.entries(resolutions)) await storeRollups(pool, schema, name, oracleRollups(series, onTime, { name, ms }));
  await storeTooOldReadings(pool, schema, late);
  const api = await start({
    port: 0,
    host: '127.0.0.1',
    databaseUrl: testSettings().databaseUrl,
    redisUrl: testSettings().redisUrl,
    databaseSchema: schema,
    keyPrefix: freshKeyPrefix(),
    tokens: `${token}:acme`,
    clock: () => day0 + 2 * d,
  });
  onCleanup(() => api.stop());
  base = `http://127.0.0.1:${api.port}`;
});

async function get(path: string): Promise<any> {
  const response = await fetch(base + path, { headers: { authorization: `Bearer ${token}` } });
  const body = await response.json();
  expect({ path, status: response.status }).toEqual({ path, status: 200 });
  return body;
}

async function post(text: string): Promise<any> {
  const response = await fetch(`${base}/v1/query`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ query: text }),
  });
  const body = await response.json();
  expect({ text, status: response.status }).toEqual({ text, status: 200 });
  return body;
}

const apply = async (aggregate: string, path: string, from: number, to: number) => (await post(`apply ${aggregate} to data in (${from}, ${to}) where path = "${path}"`)).series[0];
const data = (path: string, from: number, to: number, more = '') => get(`/v1/data?path=${encodeURIComponent(path)}&start=${from}&end=${to}${more}`);
const missing = (...readings: GeneratedReading[]) => ({ tooOld: readings.length, first: Math.min(...readings.map((r) => r.time)), last: Math.max(...readings.map((r) => r.time)) });

/** The truth over the raw rows, in SQL of its own. */
async function rawTruth(path: string, from: number, to: number): Promise<{ count: number; delta: number }> {
  const { rows } = await pool.query(
    `with x as (select time, value, lag(value) over (order by time) as prev from measurements where path = $1)
     select count(*)::int as count, coalesce(sum(case when prev is null then 0 when value >= prev then value - prev else value end), 0) as delta
       from x where time >= $2 and time < $3`,
    [path, new Date(from).toISOString(), new Date(to).toISOString()],
  );
  return rows[0];
}

describe('apply over rollups that left out too-old readings', () => {
  it('says how many readings the rollups missed, and when, for a range read from an hourly rollup', async () => {
    const result = await apply('mean', temp.path, day0 + 3 * h, day0 + 4 * h);
    expect(result.sources).toEqual([{ source: '1h', start: day0 + 3 * h, end: day0 + 4 * h }]);
    expect(result.incomplete).toEqual(missing(tooOld.tempAlone, tooOld.tempSharing));
    expect(result.count).toBe((await rawTruth(temp.path, day0 + 3 * h, day0 + 4 * h)).count - 2);
  });

  it('counts only the readings inside the parts read from rollups: a minute with no on-time reading is read raw, and has them', async () => {
    const result = await apply('mean', temp.path, day0 + 3 * h + m, day0 + 3 * h + 59 * m);
    expect(result.sources).toContainEqual({ source: 'raw', start: day0 + 3 * h + 11 * m, end: day0 + 3 * h + 20 * m });
    expect(result.sources).toContainEqual({ source: '1m', start: day0 + 3 * h + 20 * m, end: day0 + 3 * h + 21 * m });
    expect(result.incomplete).toEqual(missing(tooOld.tempSharing));
    expect(result.count).toBe((await rawTruth(temp.path, day0 + 3 * h + m, day0 + 3 * h + 59 * m)).count - 1);
  });

  it('leaves the field out where every part read from rollups is complete', async () => {
    const rawOnly = await apply('mean', temp.path, day0 + 3 * h + 12 * m, day0 + 3 * h + 18 * m);
    expect(rawOnly.sources).toEqual([{ source: 'raw', start: day0 + 3 * h + 12 * m, end: day0 + 3 * h + 18 * m }]);
    expect(rawOnly.count).toBe(1);
    expect(rawOnly).not.toHaveProperty('incomplete');
    const elsewhere = await apply('delta', kwh.path, day0 + d + 9 * h, day0 + 2 * d);
    expect(elsewhere).not.toHaveProperty('incomplete');
    expect(elsewhere.value).toBeCloseTo((await rawTruth(kwh.path, day0 + d + 9 * h, day0 + 2 * d)).delta, 9);
  });

  it('marks a day read from its daily rollup, but not the hour holding only too-old readings, which auto reads raw', async () => {
    const day = await apply('sum', litres.path, day0, day0 + d);
    expect(day.sources).toEqual([{ source: '1d', start: day0, end: day0 + d }]);
    expect(day.incomplete).toEqual(missing(tooOld.litresEarly, tooOld.litresLate));
    const hour = await apply('sum', litres.path, day0 + 20 * h, day0 + 21 * h);
    expect(hour.sources).toEqual([{ source: 'raw', start: day0 + 20 * h, end: day0 + 21 * h }]);
    expect(hour.value).toBe(tooOld.litresEarly.value + tooOld.litresLate.value);
    expect(hour).not.toHaveProperty('incomplete');
  });

  it('marks each series of a like query on its own', async () => {
    const { series: answers } = await post(`apply count to data in (${day0}, ${day0 + d}) where path like "/acme/plant1/%"`);
    const marks = Object.fromEntries(answers.map((a: any) => [a.path, a.incomplete ?? null]));
    expect(marks).toEqual({
      [kwh.path]: missing(tooOld.kwhAlone),
      [litres.path]: missing(tooOld.litresEarly, tooOld.litresLate),
      [temp.path]: missing(tooOld.tempAlone, tooOld.tempSharing),
    });
    const { series: quiet } = await post(`apply count to data in (${day0 + d + 9 * h}, ${day0 + 2 * d}) where path like "/acme/plant1/%"`);
    expect(quiet).toHaveLength(3);
    expect(quiet.filter((a: any) => 'incomplete' in a)).toEqual([]);
  });
});

describe('energy: a too-old reading just before a part read from rollups', () => {
  it('marks the part, whose first increment the rollups took against an older reading; a gauge there is complete', async () => {
    const from = day0 + d + 6 * h;
    const to = day0 + d + 8 * h;
    const energy = await apply('delta', kwh.path, from, to);
    expect(energy.sources).toEqual([{ source: '1h', start: from, end: to }]);
    expect(energy.incomplete).toEqual(missing(tooOld.kwhBeforeHour));
    // the rollups' first increment is 1.5 (against 5h50), the raw rows' 0.75 (against 5h55)
    expect(energy.value - (await rawTruth(kwh.path, from, to)).delta).toBeCloseTo(0.75, 9);
    const gauge = await apply('mean', temp.path, from, to);
    expect(gauge).not.toHaveProperty('incomplete');
  });

  it('marks an auto answer that read the too-old reading raw but the next minute from rollups', async () => {
    const from = day0 + 3 * h + m;
    const to = day0 + 3 * h + 59 * m;
    const energy = await apply('delta', kwh.path, from, to);
    expect(energy.sources).toContainEqual({ source: 'raw', start: from, end: day0 + 3 * h + 10 * m });
    expect(energy.incomplete).toEqual(missing(tooOld.kwhAlone));
    expect(energy.value - (await rawTruth(kwh.path, from, to)).delta).toBeCloseTo(0.75, 9);
  });
});

describe('/v1/data', () => {
  it('marks auto buckets and an auto aggregate read from rollups, and never raw answers', async () => {
    const from = day0 + 3 * h;
    const to = day0 + 5 * h;
    const buckets = await data(temp.path, from, to);
    expect(buckets.buckets.map((b: any) => b.resolution)).toEqual(['1h', '1h']);
    expect(buckets.incomplete).toEqual(missing(tooOld.tempAlone, tooOld.tempSharing));
    const aggregate = await data(temp.path, from, to, '&aggregate=natural');
    expect(aggregate.incomplete).toEqual(missing(tooOld.tempAlone, tooOld.tempSharing));
    const raw = await data(temp.path, from, to, '&resolution=raw');
    expect(raw.buckets).toHaveLength((await rawTruth(temp.path, from, to)).count);
    expect(raw).not.toHaveProperty('incomplete');
    const rawAggregate = await data(temp.path, from, to, '&resolution=raw&aggregate=count');
    expect(rawAggregate.value).toBe((await rawTruth(temp.path, from, to)).count);
    expect(rawAggregate).not.toHaveProperty('incomplete');
    const { series: selected } = await post(`select data in (${from}, ${to}) where path = "${temp.path}"`);
    expect(selected[0]).not.toHaveProperty('incomplete');
  });

  it('marks a rollup resolution over windows that have no row because all their readings were too old', async () => {
    const from = day0 + 20 * h;
    const to = day0 + 22 * h;
    const hours = await data(litres.path, from, to, '&resolution=1h');
    expect(hours.buckets.map((b: any) => b.start)).toEqual([day0 + 21 * h]);
    expect(hours.incomplete).toEqual(missing(tooOld.litresEarly, tooOld.litresLate));
    const minutes = await data(litres.path, from, from + h, '&resolution=1m');
    expect(minutes.buckets).toEqual([]);
    expect(minutes.incomplete).toEqual(missing(tooOld.litresEarly, tooOld.litresLate));
    const sum = await data(litres.path, from, to, '&resolution=1h&aggregate=sum');
    expect(sum.incomplete).toEqual(missing(tooOld.litresEarly, tooOld.litresLate));
    // buckets that start in the range, to the end of the last: a range ending mid-hour covers that whole hour
    const ragged = await data(litres.path, day0 + 19 * h + 30 * m, day0 + 20 * h + 10 * m, '&resolution=1h');
    expect(ragged.buckets).toEqual([]);
    expect(ragged.incomplete).toEqual(missing(tooOld.litresEarly, tooOld.litresLate));
  });

  it('leaves the field out of rollup answers with no too-old reading in them', async () => {
    const hours = await data(litres.path, day0 + 21 * h, day0 + 23 * h, '&resolution=1h');
    expect(hours.buckets).toHaveLength(2);
    expect(hours).not.toHaveProperty('incomplete');
    const auto = await data(kwh.path, day0 + d + 9 * h, day0 + 2 * d, '&aggregate=delta');
    expect(auto).not.toHaveProperty('incomplete');
  });
});
