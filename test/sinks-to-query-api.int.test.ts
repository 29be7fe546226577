/* eslint-disable @typescript-eslint/no-explicit-any -- JSON answers are checked field by field */
/**
 * The contracts between components, end to end: measurements and rollups on
 * Kafka, written by the real timescale-sink (tables of schemas/tables.ts) and
 * redis-sink (layout of schemas/redis-keys.ts), read back through the real
 * query API. Each side's own tests cover its details; this one fails when the
 * two sides stop agreeing.
 */
import { freshSchema, sinkOptions as timescaleSinkOptions, startSink as startTimescaleSink } from '../connectors/timescale-sink/timescale-sink.fixture';
import { freshResources, sinkOptions as redisSinkOptions, startSink as startRedisSink } from '../connectors/redis-sink/redis-sink.fixture';
import { start as startQueryApi } from '../query-api/index';
import { parseSeriesPath } from '../schemas/series-path';
import type { Measurement } from '../schemas/types';
import { eventually, freshGroupId, onCleanup, testSettings } from './factories';
import { generateReadings, type GeneratedReading, type SeriesSpec } from './generated-readings';
import { oracleRollups } from './oracle-rollups';
import { produceMeasurements, produceRollups, sinkCaughtUp } from './sink-records';

const m = 60_000;
const h = 60 * m;
const t0 = Date.UTC(2024, 0, 1);
const token = 'acme-token-0123456789abcdef';
const resolutions = { '1m': m, '1h': h };

const kwh: SeriesSpec = { path: '/acme/plant1/meter1/kwh', kind: 'energy', unit: 'kWh' };
const temp: SeriesSpec = { path: '/acme/plant1/room1/temp', kind: 'non_additive', unit: 'degC' };
const globex: SeriesSpec = { path: '/globex/site1/meter1/kwh', kind: 'energy', unit: 'kWh' };
const series = [kwh, temp, globex];

function measurement(spec: SeriesSpec, r: GeneratedReading): Measurement {
  const identity = parseSeriesPath(spec.path)!;
  return { path: spec.path, ...identity, kind: spec.kind, timestamp: r.time, value: r.value, unit: spec.unit, tags: {}, receivedAt: r.time + 7, sourceTopic: null };
}

/** Consumption over [start, end): each reading's increment against the one before it, a decrease counting the reading itself. */
function deltaTruth(readings: readonly GeneratedReading[], start: number, end: number): { delta: number; count: number } {
  let delta = 0;
  let count = 0;
  let previous: number | undefined;
  for (const { time, value } of readings) {
    if (time >= start && time < end) {
      count += 1;
      if (previous !== undefined) delta += value >= previous ? value - previous : value;
    }
    previous = value;
  }
  return { delta, count };
}

describe('sinks to query API', () => {
  it('serves what the sinks wrote: the catalogue, raw readings, rollups, aggregates, the latest and live values', async () => {
    const { prefix, topics } = await freshResources();
    const { schema } = await freshSchema();
    const readings = new Map(series.map((s, i) => [s.path, generateReadings(s, { start: t0, end: t0 + 3 * h, meanStepMs: 50_000, seed: 7 + i, resetAt: t0 + 80 * m })]));
    const all = series.flatMap((s) => readings.get(s.path)!.map((r) => measurement(s, r)));
    await produceMeasurements(topics, all);
    for (const [name, ms] of Object.entries(resolutions)) await produceRollups(topics, name, oracleRollups(series, [...readings.values()].flat(), { name, ms }));

    const timescale = timescaleSinkOptions(topics, schema, freshGroupId());
    const redis = redisSinkOptions(topics, prefix, freshGroupId());
    await startTimescaleSink(timescale);
    await startRedisSink(redis);
    const api = await startQueryApi({
      port: 0, host: '127.0.0.1', databaseUrl: testSettings().databaseUrl, redisUrl: testSettings().redisUrl,
      databaseSchema: schema, keyPrefix: prefix, resolutions: Object.keys(resolutions), tokens: `${token}:acme`,
    });
    onCleanup(() => api.stop());
    const base = `http://127.0.0.1:${api.port}`;
    const get = async (path: string) => {
      const response = await fetch(base + path, { headers: { authorization: `Bearer ${token}` } });
      return { status: response.status, body: (await response.json()) as any };
    };
    const caughtUp = (groupId: string) => sinkCaughtUp(groupId, [topics.measurements], Object.values(topics.rollups));
    await eventually(async () => ((await caughtUp(timescale.groupId)) && (await caughtUp(redis.groupId))) || undefined, 'both sinks caught up', 60_000, 200);

    const catalogue = await get('/v1/series?prefix=/acme');
    expect(catalogue.body.series.map((s: any) => [s.path, s.tenant, s.site, s.device, s.metric, s.kind, s.unit])).toEqual([
      [kwh.path, 'acme', 'plant1', 'meter1', 'kwh', 'energy', 'kWh'],
      [temp.path, 'acme', 'plant1', 'room1', 'temp', 'non_additive', 'degC'],
    ]);

    const meter = readings.get(kwh.path)!;
    const path = encodeURIComponent(kwh.path);
    const raw = await get(`/v1/data?path=${path}&start=${t0}&end=${t0 + h}&resolution=raw`);
    expect(raw.body.buckets.map((b: any) => [b.start, b.max])).toEqual(meter.filter((r) => r.time < t0 + h).map((r) => [r.time, r.value]));

    const minutes = await get(`/v1/data?path=${path}&start=${t0}&end=${t0 + 3 * h}&resolution=1m`);
    const expected = oracleRollups([kwh], meter, { name: '1m', ms: m });
    expect(minutes.body.buckets.map((b: any) => [b.start, b.end, b.count, b.final, b.delta])).toEqual(expected.map((r) => [r.windowStart, r.windowEnd, r.count, true, r.delta]));

    const [start, end] = [t0 + 17 * m + 123, t0 + 2 * h + 41 * m];
    const auto = await get(`/v1/data?path=${path}&start=${start}&end=${end}&aggregate=natural`);
    const truth = deltaTruth(meter, start, end);
    expect(new Set(auto.body.sources.map((s: any) => s.source))).toEqual(new Set(['raw', '1m', '1h']));
    expect(auto.body.count).toBe(truth.count);
    expect(auto.body.value).toBeCloseTo(truth.delta, 6);

    const newest = readings.get(temp.path)!.at(-1)!;
    const latest = await get(`/v1/latest?path=${encodeURIComponent(temp.path)}`);
    expect(latest).toEqual({ status: 200, body: { path: temp.path, time: newest.time, value: newest.value, kind: 'non_additive', unit: 'degC', receivedAt: newest.time + 7 } });

    const stream = await fetch(`${base}/v1/live?path=${encodeURIComponent(temp.path)}`, { headers: { authorization: `Bearer ${token}` } });
    const reader = stream.body!.pipeThrough(new TextDecoderStream()).getReader();
    onCleanup(() => reader.cancel());
    let events = '';
    void (async () => {
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) events += chunk.value;
    })().catch(() => undefined);
    await eventually(() => (events.includes('event: subscribed') ? true : undefined), 'the live subscription');
    const next = measurement(temp, { path: temp.path, time: newest.time + 1000, value: 23.5 });
    await produceMeasurements(topics, [next]);
    const value = await eventually(() => /event: value\ndata: (.*)\n/.exec(events)?.[1], 'the live value', 30_000);
    expect(JSON.parse(value)).toEqual({ path: temp.path, time: next.timestamp, value: 23.5, kind: 'non_additive', unit: 'degC' });
  });
});
