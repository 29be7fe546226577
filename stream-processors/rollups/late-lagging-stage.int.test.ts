/**
 * A stage behind its input: the records it reads reached Kafka long before
 * it reads them, and come no faster than the stage takes them. A series'
 * next reading reached Kafka moments after its last, but the stage reads it
 * several seconds (of wall clock) later, more than the idle timeout: the
 * series is busy, not idle, and its open window must stay open for it.
 * Idleness goes by the input's clock (input-clock.ts); on the wall clock,
 * the window closed with one reading of two and the second came late.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { Rollup } from '../../schemas/types';
import { sumMetric } from '../../infra/local/pipeline';
import { eventually } from '../../test/factories';
import { TopicReader } from '../../test/topic-reader';
import { measurementProducer, reading, rollupsFixture, startRollups } from './rollups.fixture';
import { revisionOf } from './window-aggregate';

const second = 1000;
const minute = 60 * second;
const day = 24 * 60 * minute;
// a minute two days ago: within the default correction horizon
const M = Math.floor(Date.now() / day) * day - 2 * day + 10 * 60 * minute;
const IDLE_TIMEOUT_MS = 4 * second;
/** wall clock between the busy series' two readings as the stage reads them: past the idle timeout plus what closes its window */
const FILLER_RECORDS = 48;
const FILLER_EVERY_MS = 250;

describe('late data: a stage behind its input', () => {
  it("keeps a busy series' window open while it reads old records slower than they were written, however long the wall clock says", async () => {
    // one partition: the busy series and the others the stage is catching up on share the input's clock
    const fixture = await rollupsFixture({ allowedLateness: '1s', idleTimeout: `${IDLE_TIMEOUT_MS}ms`, correctionHorizon: '7d' }, 1);
    const rollups = await startRollups(fixture.options);
    const oneMinute = await TopicReader.start<Rollup>(fixture.rollupTopic('1m'));
    const { send } = await measurementProducer(fixture.options.measurementsTopic);
    const busy = '/acme/lag/d1/temperature';
    const other = '/acme/lag/d2/temperature';
    // every record reached Kafka when it was read (its reading's time): the stage reads them minutes behind
    const atReadingTime = (m: { timestamp: number }) => m.timestamp;

    await send([reading(busy, 'non_additive', M + 58_500, 1)], atReadingTime);
    // the stage goes on through its input: another series, whose records reached Kafka within half a second after
    // the busy series' first, read over 12 s of wall clock. On the wall clock the busy series would be idle after
    // 4 s, and its window [M, M + 1m) closed once the idle time passed its end plus the lateness (6.5 s)
    for (let i = 0; i < FILLER_RECORDS; i++) {
      await send([reading(other, 'non_additive', M + 58_500 + i * 10, i)], atReadingTime);
      await delay(FILLER_EVERY_MS);
    }
    await send([reading(busy, 'non_additive', M + 59_000, 2)], atReadingTime);
    // its event time past the window's end plus the lateness: the window closes
    await send([reading(busy, 'non_additive', M + minute + 1500, 3)], atReadingTime);

    const final = await eventually(() => oneMinute.records.map((r) => r.value).find((r) => r.path === busy && Number(r.windowStart) === M && r.final), "the busy series' final of its first minute", 60_000);
    expect({ count: Number(final.count), sum: final.sum, revision: Number(final.revision) }).toEqual({ count: 2, sum: 3, revision: revisionOf(2, true) });
    // the stage's own final, not a correction: nothing was late
    expect(sumMetric(await rollups.metrics.metrics(), 'rollups_inputs_total', { stage: 'rollups-1m', outcome: 'late' })).toBe(0);
  }, 90_000);
});
