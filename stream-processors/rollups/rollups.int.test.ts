import type { Rollup } from '../../schemas/types';
import { eventually } from '../../test/factories';
import { topicNames } from '../../schemas/topics';
import { TopicReader } from '../../test/topic-reader';
import { parseInvalidation } from './invalidation';
import { measurementProducer, reading, rollupsFixture, startRollups } from './rollups.fixture';

const minute = 60_000;
const day = 24 * 60 * minute;
// two days ago, at 10:00 UTC: within the correction horizon
const T0 = Math.floor(Date.now() / day) * day - 2 * day + 10 * 60 * minute;
const ms = (t: unknown) => (t instanceof Date ? t.getTime() : Number(t));

/** The newest revision of every window in a rollup topic. */
function finals(records: { value: Rollup }[]): Map<string, Rollup> {
  const best = new Map<string, Rollup>();
  for (const { value } of records) {
    const r = { ...value, windowStart: ms(value.windowStart), windowEnd: ms(value.windowEnd), revision: Number(value.revision), count: Number(value.count) };
    const key = `${r.path}@${r.windowStart}`;
    if (r.final && (best.get(key)?.revision ?? -1) < r.revision) best.set(key, r);
  }
  return best;
}

describe('rollups', () => {
  it('emits provisional then final 1m rollups, 1h from 1m; invalidates a window that takes a reading after it closed, dead-letters one older than the horizon', async () => {
    const fixture = await rollupsFixture({ allowedLateness: '30s', correctionHorizon: '7d' });
    const rollups = await startRollups(fixture.options);
    const oneMinute = await TopicReader.start<Rollup>(fixture.rollupTopic('1m'));
    const oneHour = await TopicReader.start<Rollup>(fixture.rollupTopic('1h'));
    const deadLetters = await TopicReader.start<{ reason: string; source: string }>(fixture.options.deadLetterTopic);
    const invalidations = await TopicReader.start<Buffer>(topicNames.rollupInvalidations(fixture.options.groupIdPrefix), { raw: true });
    const { send } = await measurementProducer(fixture.options.measurementsTopic);
    const energy = '/acme/p1/m1/energy_kwh';
    const temp = '/acme/p1/m1/temperature';

    await send([reading(energy, 'energy', T0 + 1000, 100), reading(energy, 'energy', T0 + 30_000, 103), reading(temp, 'non_additive', T0 + 5000, 20)]);
    // provisional rollups of the open window arrive without waiting for it to close
    await oneMinute.waitFor(2, 60_000);
    expect(oneMinute.records.every((r) => r.value.final === false)).toBe(true);

    await send([
      reading(temp, 'non_additive', T0 + 5000, 99), // duplicate time: counts once, first value kept
      reading(energy, 'energy', T0 + minute + 10_000, 110),
      reading(energy, 'energy', T0 + 2 * minute + 1000, 2), // a counter reset
      reading(energy, 'energy', T0 + 60 * minute + 40_000, 5),
      reading(temp, 'non_additive', T0 + 60 * minute + 40_000, 21),
      // closes each series' 1m windows up to T0 + 62m, which moves its event time at the 1h stage (newest 1m end - 1m) past the first hour
      reading(energy, 'energy', T0 + 63 * minute, 6),
      reading(temp, 'non_additive', T0 + 63 * minute, 22),
    ]);
    await send([reading(temp, 'non_additive', T0 + 10_000, 30)]); // its minute closed long ago: late, to correct
    await send([reading(temp, 'non_additive', T0 - 30 * day, 30)]); // a month old: too old for any rollup
    // generous: on a brand-new cluster the first transactions wait for the transaction coordinator to exist
    const [tooOld] = await deadLetters.waitFor(1, 60_000);
    expect(tooOld?.value).toMatchObject({ reason: 'too_old', source: 'rollups-1m' });
    // the energy series' first window is recomputed (its carry may be stored), and the late reading's window
    await eventually(() => (invalidations.records.length >= 3 ? true : undefined), 'three invalidations', 30_000);
    const written = invalidations.records.map((r) => parseInvalidation(r.value));
    expect(written).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'window', resolution: '1m', windowStarts: [T0], meta: expect.objectContaining({ path: temp }) }),
        expect.objectContaining({ type: 'window', resolution: '1m', windowStarts: [T0], meta: expect.objectContaining({ path: energy }) }),
        { type: 'too_old', path: temp, time: T0 - 30 * day },
      ]),
    );
    expect(deadLetters.records).toHaveLength(1);

    const m = await (async () => {
      for (;;) {
        const f = finals(oneMinute.records);
        if (f.size >= 4) return f;
        await oneMinute.waitFor(oneMinute.records.length + 1);
      }
    })();
    expect(m.get(`${energy}@${T0}`)).toMatchObject({ count: 2, delta: 3, first: 100, last: 103, resets: 0, final: true, resolution: '1m' });
    expect(m.get(`${energy}@${T0 + minute}`)).toMatchObject({ count: 1, delta: 7 });
    expect(m.get(`${energy}@${T0 + 2 * minute}`)).toMatchObject({ count: 1, delta: 2, resets: 1 });
    expect(m.get(`${temp}@${T0}`)).toMatchObject({ count: 1, sum: 20, min: 20, max: 20, delta: null });

    const h = await (async () => {
      for (;;) {
        const f = finals(oneHour.records);
        if (f.size >= 2) return f;
        await oneHour.waitFor(oneHour.records.length + 1, 60_000);
      }
    })();
    // 100 -> 103 (+3) -> 110 (+7) -> reset to 2 (+2)
    expect(h.get(`${energy}@${T0}`)).toMatchObject({ count: 4, delta: 12, resets: 1, first: 100, last: 2, resolution: '1h', windowEnd: T0 + 60 * minute });
    expect(h.get(`${temp}@${T0}`)).toMatchObject({ count: 1, sum: 20 });
    // each commit tells how long after Kafka got its newest input it went out: observed, and within seconds here
    const delays = (await rollups.metrics.getSingleMetric('rollups_input_delay_seconds')!.get()).values as { metricName?: string; labels: Record<string, unknown>; value: number }[];
    const ofOneMinute = delays.filter((v) => v.labels.stage === 'rollups-1m');
    const count = ofOneMinute.find((v) => v.metricName === 'rollups_input_delay_seconds_count')?.value ?? 0;
    expect(count).toBeGreaterThan(0);
    expect(ofOneMinute.find((v) => v.metricName === 'rollups_input_delay_seconds_bucket' && v.labels.le === 10)?.value).toBe(count);
  }, 90_000);

  it('keeps working when one batch changes the state of more series than one Kafka record batch may hold', async () => {
    // one partition, 12,000 series in one batch: their state snapshots alone are megabytes, over the 1 MiB a record batch may hold
    const fixture = await rollupsFixture({}, 1);
    const oneMinute = await TopicReader.start<Rollup>(fixture.rollupTopic('1m'));
    const { send } = await measurementProducer(fixture.options.measurementsTopic);
    const series = Array.from({ length: 12_000 }, (_, i) => `/acme/p${i % 10}/m${i}/energy_kwh`);
    for (let i = 0; i < series.length; i += 4000) await send(series.slice(i, i + 4000).map((path) => reading(path, 'energy', T0 + 1000, 1)));
    await startRollups(fixture.options);
    const paths = await (async () => {
      for (;;) {
        const seen = new Set(oneMinute.records.map((r) => r.value.path));
        if (seen.size >= series.length) return seen;
        await oneMinute.waitFor(oneMinute.records.length + 1, 60_000);
      }
    })();
    expect(paths.size).toBe(series.length);
  }, 90_000);
});
