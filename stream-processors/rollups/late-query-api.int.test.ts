/* eslint-disable @typescript-eslint/no-explicit-any -- JSON answers are checked field by field */
/**
 * What an analyst reads after a backlog: the query API over the tables the
 * timescale-sink filled from the corrected rollups and the raw readings.
 * `apply` and `/v1/data` (resolution auto, which mixes 1d, 1h, 1m and raw
 * buckets) agree with SQL over the raw rows over the backlog's ranges.
 */
import { start as startQueryApi } from '../../query-api/index';
import { eventually, onCleanup, testSettings } from '../../test/factories';
import { sinkCaughtUp } from '../../test/sink-records';
import { day, hour, minute, newestOf, recentDay, second, seriesReadings, startLatePipeline } from './late-pipeline.fixture';

const token = 'acme-token-0123456789abcdef';
const close = (a: number | null, b: number | null) => (a === null || b === null ? a === b : Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b), 1));

describe('late data: the query API after a backlog', () => {
  it('answers apply and resolution=auto over the corrected windows as SQL over the raw rows does', async () => {
    const pipeline = await startLatePipeline({ allowedLateness: '2s' });
    const until = recentDay(2) + day;
    const current = recentDay(2) + 11 * hour + 20 * minute;
    const span = { from: current - 2 * hour - 10 * minute, to: current + 1, stepMs: 7 * second };
    const series = [
      seriesReadings('/acme/query/meter/kwh', 'energy', { ...span, seed: 5, resetAt: current - 50 * minute }),
      seriesReadings('/acme/query/meter/litres', 'additive', { ...span, seed: 6 }),
      seriesReadings('/acme/query/meter/temp', 'non_additive', { ...span, seed: 7 }),
    ];
    const offline = current - 2 * hour;
    const all = series.flat();
    const client = await pipeline.device();
    await pipeline.publishFirst(client, all[0]!);
    await pipeline.publish(client, all.filter((r) => r.ts < offline).sort((a, b) => a.ts - b.ts));
    await pipeline.publish(client, series.map((s) => s.at(-1)!));
    await pipeline.publish(client, all.filter((r) => r.ts >= offline && r.ts < current).sort((a, b) => a.ts - b.ts));
    await pipeline.consumedAll(all);
    await pipeline.flush(client, newestOf(all), until);
    await pipeline.expectExact(new Set(all.map((r) => r.path)), until);
    expect(pipeline.corrections('1m').length).toBeGreaterThan(0);
    const caughtUp = () => sinkCaughtUp(pipeline.sink.groupId, [pipeline.sink.measurementsTopic], Object.values(pipeline.sink.rollupTopics));
    await eventually(async () => (await caughtUp()) || undefined, 'the sink to store every rollup', 30_000, 200);

    const api = await startQueryApi({ port: 0, host: '127.0.0.1', databaseUrl: testSettings().databaseUrl, redisUrl: testSettings().redisUrl, databaseSchema: pipeline.schema, tokens: `${token}:acme` });
    onCleanup(() => api.stop());
    const call = async (path: string, body?: unknown): Promise<any> => {
      const response = await fetch(`http://127.0.0.1:${api.port}${path}`, {
        method: body === undefined ? 'GET' : 'POST',
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      expect({ path, status: response.status }).toEqual({ path, status: 200 });
      return response.json();
    };
    /** count, sum, min, max and energy delta over [from, to) by SQL over the raw rows */
    const truth = async (path: string, from: number, to: number) => {
      const { rows } = await pipeline.pool.query(
        `with x as (select time, value, lag(value) over (order by time) as prev from measurements where path = $1)
         select count(*)::float8 as count, coalesce(sum(value), 0) as sum, min(value) as min, max(value) as max,
                coalesce(sum(case when prev is null then 0 when value >= prev then value - prev else value end), 0) as delta
         from x where time >= $2 and time < $3`,
        [path, new Date(from).toISOString(), new Date(to).toISOString()],
      );
      return rows[0] as Record<'count' | 'sum' | 'min' | 'max' | 'delta', number>;
    };
    const problems: string[] = [];
    const compare = (what: string, actual: number | null, expected: number | null) => {
      if (!close(actual, expected)) problems.push(`${what}: ${String(actual)}, SQL ${String(expected)}`);
    };

    // aligned ranges (read from 1d and 1h rollups) and unaligned ones (1m and raw at the edges), over the backlog
    const ranges: [number, number][] = [[recentDay(2), until], [offline, current], [current - hour, current], [offline + 17 * second, current - 3 * minute + 5 * second], [offline - 9 * minute - 1, offline + 61 * minute]];
    const aggregates = { energy: ['delta', 'count', 'min', 'max'], additive: ['sum', 'count', 'min', 'max'], non_additive: ['count', 'min', 'max'] } as const;
    const sources = new Set<string>();
    for (const s of series) {
      const { path, kind } = s[0]!;
      for (const [from, to] of ranges) {
        const expected = await truth(path, from, to);
        for (const aggregate of aggregates[kind]) {
          const [answer] = (await call('/v1/query', { query: `apply ${aggregate} to data in (${from}, ${to}) where path = "${path}"` })).series;
          for (const source of answer.sources) sources.add(source.source);
          compare(`apply ${aggregate} ${path} [${from}, ${to})`, answer.value, expected[aggregate]);
          expect(answer).not.toHaveProperty('incomplete');
        }
        const auto = await call(`/v1/data?path=${encodeURIComponent(path)}&start=${from}&end=${to}`);
        for (const bucket of auto.buckets) {
          sources.add(bucket.resolution);
          const inBucket = await truth(path, bucket.start, bucket.end);
          for (const field of ['count', 'sum', 'min', 'max'] as const) compare(`auto ${bucket.resolution} bucket ${field} ${path} [${bucket.start}, ${bucket.end})`, bucket[field], inBucket[field]);
          if (kind === 'energy') compare(`auto ${bucket.resolution} bucket delta ${path} [${bucket.start}, ${bucket.end})`, bucket.delta, inBucket.delta);
        }
      }
    }
    expect(problems.slice(0, 20)).toEqual([]);
    expect([...sources].sort()).toEqual(['1d', '1h', '1m', 'raw']);
  }, 90_000);
});
