/**
 * A burst: four devices upload 25 minutes of readings each (three series,
 * one every 3 s) as fast as MQTT QoS 1 goes, a little out of order, with
 * duplicates and energy counter resets, and a few readings held back until
 * their windows' finals are out. With 2 s of allowed lateness the burst makes
 * late readings; once the pipeline is idle, every final 1m, 1h and 1d rollup
 * equals SQL over the raw rows the sink stored, and nothing is dead-lettered.
 */
import { seededRandom } from '../../test/generated-readings';
import { waitForFinals } from './oracle.fixture';
import { day, hour, minute, newestOf, recentDay, second, seriesReadings, startLatePipeline, type DeviceReading } from './late-pipeline.fixture';

const DEVICES = 4;
const STEP_MS = 3 * second;

/** The device's readings in the order it sends them: chunks of 40 shuffled, 1 in 20 sent again later. */
function uploadOrder(readings: DeviceReading[], seed: number): DeviceReading[] {
  const random = seededRandom(seed);
  const order: DeviceReading[] = [];
  for (let i = 0; i < readings.length; i += 40) order.push(...readings.slice(i, i + 40).sort(() => random() - 0.5));
  for (const r of readings.filter(() => random() < 0.05)) order.splice(order.indexOf(r) + 1 + Math.floor(random() * 200), 0, { ...r });
  return order;
}

describe('late data: a burst of uploads', () => {
  it('corrects the windows of the readings late for their series: every final equals SQL over the raw rows', async () => {
    const pipeline = await startLatePipeline({ allowedLateness: '2s' });
    const from = recentDay(2) + 21 * hour + 45 * minute;
    const until = recentDay(2) + day;
    const devices = Array.from({ length: DEVICES }, (_, d) => {
      const base = `/acme/burst/dev${d}`;
      const readings = [
        ...seriesReadings(`${base}/kwh`, 'energy', { from: from + d * 7 * second, to: from + 25 * minute, stepMs: STEP_MS, seed: 10 + d, resetAt: from + (8 + 3 * d) * minute }),
        ...seriesReadings(`${base}/litres`, 'additive', { from: from + 1000, to: from + 25 * minute, stepMs: STEP_MS, seed: 20 + d }),
        ...seriesReadings(`${base}/temp`, 'non_additive', { from: from + 2000, to: from + 25 * minute, stepMs: STEP_MS, seed: 30 + d }),
      ].sort((a, b) => a.ts - b.ts);
      // held back: sent once the finals of their windows are out, so late whatever Kafka's batches
      const heldBack = readings.filter((_, i) => i % 97 === 50);
      return { readings, heldBack, order: uploadOrder(readings.filter((r) => !heldBack.includes(r)), 40 + d) };
    });
    const all = devices.flatMap((d) => d.readings);
    const paths = new Set(all.map((r) => r.path));
    const clients = await Promise.all(devices.map(() => pipeline.device()));
    await pipeline.publishFirst(clients[0]!, devices[0]!.order[0]!);

    const started = Date.now();
    await Promise.all(devices.map((d, i) => pipeline.publish(clients[i]!, d.order)));
    console.log(`late-burst: ${devices.reduce((n, d) => n + d.order.length, 0)} messages published in ${Date.now() - started} ms`);
    const heldBack = devices.flatMap((d) => d.heldBack);
    await waitForFinals(pipeline.readers.rollups['1m'].records, heldBack.map((r) => `${r.path}@${Math.floor(r.ts / minute) * minute}`), 'the held-back readings\' windows', 30_000);
    await Promise.all(devices.map((d, i) => pipeline.publish(clients[i]!, [...d.heldBack, ...d.heldBack.slice(0, 2)])));
    await pipeline.consumedAll(all);
    await pipeline.flush(clients[0]!, newestOf(all), until);

    await pipeline.expectExact(paths, until);
    expect(pipeline.readers.deadLetters.records.map((d) => d.value.reason)).toEqual([]);
    // the correction path ran: late readings were taken, and windows of series with no energy carry got corrected finals
    expect(await pipeline.lateInputs()).toBeGreaterThanOrEqual(heldBack.length);
    const corrected = new Set(pipeline.corrections('1m').map((r) => `${r.path}@${r.windowStart}`));
    for (const r of heldBack) expect(corrected).toContain(`${r.path}@${Math.floor(r.ts / minute) * minute}`);
    expect(pipeline.corrections('1m').filter((r) => r.kind !== 'energy').length).toBeGreaterThan(0);
    console.log(`late-burst: ${await pipeline.lateInputs()} late inputs, ${pipeline.corrections('1m').length} 1m, ${pipeline.corrections('1h').length} 1h, ${pipeline.corrections('1d').length} 1d corrections`);
  }, 90_000);
});
