/* eslint-disable @typescript-eslint/no-explicit-any -- JSON answers are checked field by field */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { Redis } from 'ioredis';
import type { Pool } from 'pg';
import { eventually, freshDatabaseSchema, freshKeyPrefix, onCleanup, testSettings } from '../test/factories';
import { latestKey, liveChannel } from '../schemas/redis-keys';
import { start } from './index';
import { generateReadings, seededRandom, type SeriesSpec } from '../test/generated-readings';
import { oracleRollups } from '../test/oracle-rollups';
import { createTables, storeReadings, storeRollups } from '../test/table-fixtures';

const m = 60_000;
const h = 60 * m;
const d = 24 * h;
const day0 = Date.UTC(2024, 2, 1);
const dataEnd = day0 + 6 * d + 5 * h + 17 * m;
const acmeToken = 'acme-token-0123456789abcdef';
const globexToken = 'globex-token-0123456789abcdef';
const adminToken = 'admin-token-0123456789abcdef';

const series: SeriesSpec[] = [
  { path: '/acme/plant1/meter1/kwh', kind: 'energy', unit: 'kWh' },
  { path: '/acme/plant1/pump1/litres', kind: 'additive', unit: 'L' },
  { path: '/acme/plant1/room1/temp', kind: 'non_additive', unit: 'degC' },
  { path: '/acme/plant2/room2/temp', kind: 'non_additive', unit: null },
  { path: '/globex/site1/meter1/kwh', kind: 'energy', unit: 'kWh' },
];
const [kwh, litres, temp] = series as [SeriesSpec, SeriesSpec, SeriesSpec];
const resolutions = { '1m': m, '1h': h, '1d': d };

let pool: Pool;
let schema: string;
let redis: Redis;
let keyPrefix: string;
let base: string;

async function api(path: string, options: { token?: string; body?: unknown } = {}): Promise<{ status: number; body: any }> {
  const token = options.token === undefined ? acmeToken : options.token;
  const response = await fetch(base + path, {
    method: options.body === undefined ? 'GET' : 'POST',
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(options.body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  return { status: response.status, body: await response.json() };
}

const query = (text: string, token?: string) => api('/v1/query', { body: { query: text }, token });
const iso = (ms: number) => new Date(ms).toISOString();

/** The truth: the aggregate over the raw rows, in SQL written independently of the API's. */
async function rawTruth(path: string, startMs: number, endMs: number) {
  const { rows } = await pool.query(
    `with x as (select time, value, lag(value) over (order by time) as prev from measurements where path = $1)
     select count(*)::float8 as count, sum(value) as sum, min(value) as min, max(value) as max, avg(value) as mean,
            sum(case when prev is null then 0 when value >= prev then value - prev else value end) as delta
       from x where time >= to_timestamp($2::float8 / 1000) and time < to_timestamp($3::float8 / 1000)`,
    [path, startMs, endMs],
  );
  const row = rows[0];
  return { count: row.count, sum: row.sum ?? 0, min: row.min, max: row.max, mean: row.mean, delta: row.delta ?? 0 } as Record<string, number | null>;
}

function expectClose(actual: number | null, expected: number | null, what: string): void {
  if (expected === null) {
    expect({ what, actual }).toEqual({ what, actual: null });
    return;
  }
  expect(actual).not.toBeNull();
  const tolerance = 1e-9 * Math.max(1, Math.abs(expected));
  if (Math.abs((actual as number) - expected) > tolerance) throw new Error(`${what}: got ${actual}, expected ${expected}`);
}

beforeAll(async () => {
  ({ pool, schema } = await freshDatabaseSchema());
  await createTables(pool, schema, Object.keys(resolutions));
  const random = seededRandom(11);
  const readings = series.flatMap((s, i) =>
    generateReadings(s, {
      start: day0,
      end: dataEnd,
      meanStepMs: 7 * m + 13_000,
      seed: 100 + i,
      // a day and a half without readings: missing rollup buckets at every level
      gaps: [[day0 + 2 * d + 6 * h, day0 + 3 * d + 18 * h]],
      resetAt: day0 + 4 * d + 3 * h + Math.floor(random() * h),
    }),
  );
  await storeReadings(pool, schema, series, readings);
  for (const [name, ms] of Object.entries(resolutions)) await storeRollups(pool, schema, name, oracleRollups(series, readings, { name, ms }));
  // a provisional window with wrong figures (a sink mid-window): auto must read it finer, from final data
  await pool.query(`update rollups_1h set final = false, sum = sum + 1000, count = count + 7, delta = delta + 1000 where bucket = $1`, [iso(day0 + 5 * d + 10 * h)]);
  // a daily window the sink has not written yet: auto must fall back to finer rollups
  await pool.query(`delete from rollups_1d where bucket = $1`, [iso(day0 + 5 * d)]);

  keyPrefix = freshKeyPrefix();
  redis = new Redis(testSettings().redisUrl);
  onCleanup(async () => {
    const keys = await redis.keys(`${keyPrefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });
  const api = await start({
    port: 0,
    host: '127.0.0.1',
    databaseUrl: testSettings().databaseUrl,
    redisUrl: testSettings().redisUrl,
    databaseSchema: schema,
    keyPrefix,
    tokens: `${acmeToken}:acme,${globexToken}:globex`,
    adminToken,
    maxPoints: 3000,
    liveHeartbeat: '500ms',
    clock: () => dataEnd,
  });
  onCleanup(() => api.stop());
  base = `http://127.0.0.1:${api.port}`;
});

describe('apply over rollups and raw readings', () => {
  const random = seededRandom(5);
  const aligned: [number, number][] = [
    [day0, day0 + 6 * d],
    [day0 + d, day0 + 2 * d],
    [day0 + 4 * d + 9 * h, day0 + 4 * d + 12 * h],
    [day0 + 3 * d + 30 * m, day0 + 3 * d + 31 * m],
  ];
  const unaligned: [number, number][] = [
    [day0 + 3 * h + 7 * m + 1234, day0 + 5 * d + 22 * h + 59 * m + 999],
    [day0 - d, dataEnd + d],
    [day0 + 4 * d + 9 * h + 59 * m + 1, day0 + 4 * d + 10 * h + 1],
    ...Array.from({ length: 6 }, (): [number, number] => {
      const s = day0 + Math.floor(random() * 5 * d);
      return [s, s + 1 + Math.floor(random() * 2 * d)];
    }),
  ];
  const allowed: Record<string, string[]> = {
    energy: ['delta', 'count', 'min', 'max'],
    additive: ['sum', 'mean', 'count', 'min', 'max'],
    non_additive: ['mean', 'count', 'min', 'max'],
  };

  it.each([
    ['aligned', aligned],
    ['not aligned', unaligned],
  ])('equals SQL over the raw rows for every aggregate and kind, ranges %s', async (_label, ranges) => {
    for (const s of [kwh, litres, temp]) {
      for (const [startMs, endMs] of ranges) {
        const truth = await rawTruth(s.path, startMs, endMs);
        for (const aggregate of [...(allowed[s.kind] as string[]), 'natural']) {
          const { status, body } = await query(`apply ${aggregate} to data in (${startMs}, ${endMs}) where path = "${s.path}"`);
          expect(status).toBe(200);
          const [result] = body.series;
          const expectedName = aggregate === 'natural' ? { energy: 'delta', additive: 'sum', non_additive: 'mean' }[s.kind] : aggregate;
          expect(result.aggregate).toBe(expectedName);
          expect(result.count).toBe(truth.count);
          expectClose(result.value, truth[expectedName as string] as number | null, `${aggregate} of ${s.path} over [${iso(startMs)}, ${iso(endMs)})`);
        }
        const rest = await api(`/v1/data?path=${encodeURIComponent(s.path)}&start=${startMs}&end=${endMs}&aggregate=natural`);
        expect(rest.status).toBe(200);
        expectClose(rest.body.value, truth[{ energy: 'delta', additive: 'sum', non_additive: 'mean' }[s.kind]] as number | null, `REST natural of ${s.path}`);
      }
    }
  });

  it('answers an aligned range from the coarsest rollups, falling back finer where a window is missing or provisional', async () => {
    const { body } = await query(`apply natural to data in ("${iso(day0)}", "${iso(day0 + 6 * d)}") where path = "${kwh.path}"`);
    const sources: { source: string; start: number; end: number }[] = body.series[0].sources;
    expect(sources[0]).toEqual({ source: '1d', start: day0, end: day0 + 5 * d });
    expect(sources[1]).toEqual({ source: '1h', start: day0 + 5 * d, end: day0 + 5 * d + 10 * h });
    expect(sources[sources.length - 1]).toEqual({ source: '1h', start: day0 + 5 * d + 11 * h, end: day0 + 6 * d });
    const provisionalHour = sources.slice(2, -1);
    expect(provisionalHour[0]?.start).toBe(day0 + 5 * d + 10 * h);
    expect(provisionalHour[provisionalHour.length - 1]?.end).toBe(day0 + 5 * d + 11 * h);
    expect(new Set(provisionalHour.map((p) => p.source))).toEqual(new Set(['1m', 'raw']));
  });

  it('applies over many series with like, each with its natural aggregate', async () => {
    const { status, body } = await query(`apply natural to data in (now - 2d, now) where path like "/acme/plant1/%"`);
    expect(status).toBe(200);
    expect(body.series.map((s: { path: string; aggregate: string }) => [s.path, s.aggregate])).toEqual([
      [kwh.path, 'delta'],
      [litres.path, 'sum'],
      [temp.path, 'mean'],
    ]);
    const truth = await rawTruth(litres.path, dataEnd - 2 * d, dataEnd);
    expectClose(body.series[1].value, truth.sum as number, 'sum over like');
  });

  it('refuses an aggregate that makes no sense for the kind, saying why', async () => {
    for (const [aggregate, s, reason] of [
      ['sum', kwh, /use delta/],
      ['mean', kwh, /use delta/],
      ['delta', temp, /not an increasing counter/],
      ['sum', temp, /use mean/],
    ] as const) {
      const { status, body } = await query(`apply ${aggregate} to data in (now - 1d, now) where path = "${s.path}"`);
      expect(status).toBe(400);
      expect(body.code).toBe('AGGREGATE_NOT_APPLICABLE');
      expect(body.message).toMatch(reason);
    }
    const like = await query('apply sum to data in (now - 1d, now) where path like "/acme/%"');
    expect(like.body.code).toBe('AGGREGATE_NOT_APPLICABLE');
  });
});

describe('select data', () => {
  it('before gives the latest reading at or before the time, after the first at or after', async () => {
    const t = day0 + d + 5 * h + 3 * m + 17;
    const { rows: before } = await pool.query(`select (extract(epoch from time) * 1000)::float8 as t, value from measurements where path = $1 and time <= $2 order by time desc limit 3`, [temp.path, iso(t)]);
    const { rows: after } = await pool.query(`select (extract(epoch from time) * 1000)::float8 as t, value from measurements where path = $1 and time >= $2 order by time limit 1`, [temp.path, iso(t)]);
    const b = await query(`select data before ${t} where path = "${temp.path}"`);
    expect(b.body.series).toEqual([{ path: temp.path, kind: 'non_additive', unit: 'degC', readings: [[before[0].t, before[0].value]] }]);
    const b3 = await query(`select data before "${iso(t)}" where path = "${temp.path}" limit 3`);
    expect(b3.body.series[0].readings).toEqual(before.reverse().map((r) => [r.t, r.value]));
    const a = await query(`select data after ${t} where path = "${temp.path}"`);
    expect(a.body.series[0].readings).toEqual([[after[0].t, after[0].value]]);
    // at exactly a reading's time, before and after both include it
    const exact = await query(`select data after ${after[0].t} where path = "${temp.path}"`);
    expect(exact.body.series[0].readings[0][0]).toBe(after[0].t);
    const exactBefore = await query(`select data before ${after[0].t} where path = "${temp.path}"`);
    expect(exactBefore.body.series[0].readings[0][0]).toBe(after[0].t);
  });

  it('in gives the readings of [start, end) for each series matching like, and before now gives the latest of each', async () => {
    const s = day0 + 2 * h + 1;
    const e = day0 + 5 * h;
    const { body } = await query(`select data in (${s}, ${e}) where path like "/acme/%/room%"`);
    expect(body.series.map((x: { path: string }) => x.path)).toEqual(['/acme/plant1/room1/temp', '/acme/plant2/room2/temp']);
    for (const x of body.series) {
      const { rows } = await pool.query(`select count(*)::int as n from measurements where path = $1 and time >= $2 and time < $3`, [x.path, iso(s), iso(e)]);
      expect(x.readings).toHaveLength(rows[0].n);
      expect(x.readings.every(([t]: [number]) => t >= s && t < e)).toBe(true);
    }
    const latest = await query('select data before now where path like "/acme/%"');
    expect(latest.body.series).toHaveLength(4);
    expect(latest.body.series.every((x: { readings: unknown[] }) => x.readings.length === 1)).toBe(true);
  });

  it('refuses an answer above maxPoints, and takes limit per series', async () => {
    const big = await query('select data in (0, now) where path like "/acme/%"');
    expect(big.status).toBe(400);
    expect(big.body.code).toBe('TOO_MANY_POINTS');
    const limited = await query('select data in (0, now) where path like "/acme/%" limit 10');
    expect(limited.body.series.map((x: { readings: unknown[] }) => x.readings.length)).toEqual([10, 10, 10, 10]);
  });

  it('answers 404 for an unknown path and an empty range as a 400', async () => {
    expect((await query('select data before now where path = "/acme/nope"')).body.code).toBe('SERIES_NOT_FOUND');
    expect((await query(`select data in (now, now - 1h) where path = "${temp.path}"`)).body.code).toBe('QUERY_INVALID');
  });
});

describe('malformed queries', () => {
  it('get a 400 with the position and what was expected', async () => {
    const { status, body } = await query('select data bfore now where path = "/acme/x"');
    expect(status).toBe(400);
    expect(body).toMatchObject({ code: 'QUERY_SYNTAX', position: 12, expected: ['before', 'after', 'in'], found: '"bfore"' });
    const injection = await query(`select data before now where path = "/acme/x"; drop table series; --"`);
    expect(injection.body).toMatchObject({ code: 'QUERY_SYNTAX', position: 45 });
    const missing = await api('/v1/query', { body: { q: 'x' } });
    expect(missing).toMatchObject({ status: 400, body: { code: 'QUERY_INVALID' } });
  });

  it('treats quotes and LIKE characters in paths as data, never SQL', async () => {
    const { status, body } = await query(`select data before now where path like "/acme/' or 1=1 --%"`);
    expect(status).toBe(200);
    expect(body.series).toEqual([]);
  });
});

describe('REST', () => {
  it('lists series by prefix on whole path segments', async () => {
    const { body } = await api('/v1/series?prefix=/acme/plant1');
    expect(body.series.map((s: { path: string }) => s.path)).toEqual([kwh.path, litres.path, temp.path]);
    expect(body.series[0]).toMatchObject({ tenant: 'acme', site: 'plant1', device: 'meter1', metric: 'kwh', kind: 'energy', unit: 'kWh' });
    expect((await api('/v1/series?prefix=/acme/plant')).body.series).toEqual([]);
  });

  it('reads the latest value from Redis', async () => {
    await redis.hset(latestKey(keyPrefix, temp.path), { time: '1711000000000', value: '21.5', kind: 'non_additive', unit: 'degC', receivedAt: '1711000000100' });
    const { status, body } = await api(`/v1/latest?path=${encodeURIComponent(temp.path)}`);
    expect(status).toBe(200);
    expect(body).toEqual({ path: temp.path, time: 1711000000000, value: 21.5, kind: 'non_additive', unit: 'degC', receivedAt: 1711000000100 });
    expect((await api(`/v1/latest?path=${encodeURIComponent(litres.path)}`)).body.code).toBe('SERIES_NOT_FOUND');
  });

  it('gives rollup buckets, raw readings, and an auto mix whose natural values add up to the raw truth', async () => {
    const path = encodeURIComponent(kwh.path);
    const hours = await api(`/v1/data?path=${path}&start=${iso(day0)}&end=${iso(day0 + 6 * h)}&resolution=1h`);
    expect(hours.body.buckets).toHaveLength(6);
    expect(hours.body.buckets[0]).toMatchObject({ resolution: '1h', start: day0, end: day0 + h, final: true });
    const raw = await api(`/v1/data?path=${path}&start=${day0}&end=${day0 + h}&resolution=raw`);
    expect(raw.body.buckets.every((b: { resolution: string; count: number }) => b.resolution === 'raw' && b.count === 1)).toBe(true);
    // start 1 ms before a reading, so the raw edge holds it
    const { rows } = await pool.query(`select (extract(epoch from time) * 1000)::float8 as t from measurements where path = $1 and time > $2 order by time limit 1`, [kwh.path, iso(day0 + 20 * h + 7 * m)]);
    const s = (rows[0].t as number) - 1;
    const e = day0 + 4 * d + 13 * h + 1;
    const auto = await api(`/v1/data?path=${path}&start=${s}&end=${e}`);
    expect(new Set(auto.body.buckets.map((b: { resolution: string }) => b.resolution))).toEqual(new Set(['raw', '1m', '1h', '1d']));
    const total = auto.body.buckets.reduce((sum: number, b: { value: number }) => sum + b.value, 0);
    expectClose(total, (await rawTruth(kwh.path, s, e)).delta ?? null, 'sum of auto bucket deltas');
  });

  it('refuses a rollup aggregate over a range not on its boundaries, and an unknown resolution', async () => {
    const path = encodeURIComponent(kwh.path);
    expect((await api(`/v1/data?path=${path}&start=${day0 + 1}&end=${day0 + d}&resolution=1h&aggregate=delta`)).body.code).toBe('RANGE_NOT_ALIGNED');
    const aligned = await api(`/v1/data?path=${path}&start=${day0}&end=${day0 + d}&resolution=1h&aggregate=delta`);
    expectClose(aligned.body.value, (await rawTruth(kwh.path, day0, day0 + d)).delta ?? null, 'delta from 1h');
    expect((await api(`/v1/data?path=${path}&start=${day0}&end=${day0 + d}&resolution=5m`)).body.code).toBe('QUERY_INVALID');
    expect((await api(`/v1/data?path=${path}&start=yesterday&end=now`)).body).toMatchObject({ code: 'QUERY_SYNTAX', position: 0 });
  });

  it('serves its OpenAPI document', async () => {
    const response = await fetch(`${base}/openapi.json`);
    const document = (await response.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(document.openapi).toMatch(/^3\./);
    // the admin API's paths are checked by admin/admin-api.int.test.ts, the commands' by commands/commands-api.int.test.ts
    expect(Object.keys(document.paths).filter((path) => !path.startsWith('/v1/admin/') && !/\/commands\b/.test(path)).sort()).toEqual(['/v1/alerts', '/v1/alerts/live', '/v1/automations/{id}/runs', '/v1/data', '/v1/devices/{tenant}/{site}/{device}/shadow', '/v1/graphql', '/v1/handler-executions', '/v1/handler-executions/{id}', '/v1/latest', '/v1/live', '/v1/query', '/v1/series']);
  });
});

describe('tenant isolation', () => {
  it('never lets a token read another tenant, whatever the query says', async () => {
    const globexPath = '/globex/site1/meter1/kwh';
    for (const text of [
      `select data before now where path = "${globexPath}"`,
      'select data before now where path like "/globex/%"',
      'select data before now where path like "/%"',
      'select data before now where path like "/acm%"',
      `apply count to data in (0, now) where path = "${globexPath}"`,
      `select data before now where path = "/acme/../globex/site1/meter1/kwh"`,
    ]) {
      const { status, body } = await query(text);
      if (status === 200) {
        expect(body.series.every((s: { path: string }) => s.path.startsWith('/acme/'))).toBe(true);
      } else {
        expect({ text, status, code: body.code }).toMatchObject({ status: expect.any(Number), code: expect.stringMatching(/PATH_OUTSIDE_TENANT|SERIES_NOT_FOUND/) });
      }
    }
    expect((await query('select data before now where path like "/globex/%"')).status).toBe(403);
    expect((await api(`/v1/latest?path=${encodeURIComponent(globexPath)}`)).status).toBe(403);
    expect((await api('/v1/series?prefix=/')).status).toBe(403);
    expect((await api(`/v1/data?path=${encodeURIComponent(globexPath)}&start=0&end=now`)).status).toBe(403);
    const globex = await query('select data before now where path like "/globex/%"', globexToken);
    expect(globex.body.series.map((s: { path: string }) => s.path)).toEqual([globexPath]);
    const admin = await query('select data before now where path like "/%"', adminToken);
    expect(admin.body.series).toHaveLength(5);
  });

  it('answers 401 without a token or with an unknown one', async () => {
    expect((await api('/v1/series?prefix=/acme', { token: '' })).body.code).toBe('UNAUTHENTICATED');
    expect((await api('/v1/series?prefix=/acme', { token: 'not-a-token-0123456789' })).status).toBe(401);
  });
});

describe('live stream', () => {
  function openStream(path: string, token: string): Promise<{ response: IncomingMessage; events: { event: string; data: any }[]; close(): void }> {
    return new Promise((resolve, reject) => {
      const req = httpRequest(`${base}${path}`, { headers: { authorization: `Bearer ${token}` } }, (response) => {
        const events: { event: string; data: any }[] = [];
        let buffer = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          buffer += chunk;
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const event = /^event: (.*)$/m.exec(block)?.[1];
            const data = /^data: (.*)$/m.exec(block)?.[1];
            if (event && data) events.push({ event, data: JSON.parse(data) });
          }
        });
        response.on('error', () => undefined);
        resolve({ response, events, close: () => req.destroy() });
      });
      req.on('error', (error) => (error.message.includes('socket hang up') ? undefined : reject(error)));
      req.end();
    });
  }

  it('delivers a value published to Redis for a path and for a prefix, within the tenant', async () => {
    const byPath = await openStream(`/v1/live?path=${encodeURIComponent(temp.path)}`, acmeToken);
    const byPrefix = await openStream('/v1/live?prefix=/acme/plant1', acmeToken);
    onCleanup(async () => {
      byPath.close();
      byPrefix.close();
    });
    expect(byPath.response.headers['content-type']).toMatch(/text\/event-stream/);
    await eventually(() => (byPath.events.some((e) => e.event === 'subscribed') && byPrefix.events.some((e) => e.event === 'subscribed') ? true : undefined), 'subscriptions');
    const value = { path: temp.path, time: 1711000000000, value: 22.25, kind: 'non_additive', unit: 'degC' };
    await redis.publish(liveChannel(keyPrefix, '/acme/plant10/x/y'), JSON.stringify({ ...value, path: '/acme/plant10/x/y' }));
    await redis.publish(liveChannel(keyPrefix, temp.path), JSON.stringify(value));
    const received = await eventually(() => byPath.events.find((e) => e.event === 'value'), 'the value on the path stream');
    expect(received.data).toEqual(value);
    const viaPrefix = await eventually(() => byPrefix.events.find((e) => e.event === 'value'), 'the value on the prefix stream');
    expect(viaPrefix.data).toEqual(value);
    // /acme/plant10/... is not under /acme/plant1/, and was published first: the first value seen is the one under the prefix
    expect(byPrefix.events.filter((e) => e.event === 'value').map((e) => e.data.path)).toEqual([temp.path]);
  });

  it('refuses a stream of another tenant', async () => {
    const { status, body } = await api('/v1/live?prefix=/globex');
    expect(status).toBe(403);
    expect(body.code).toBe('PATH_OUTSIDE_TENANT');
  });
});
