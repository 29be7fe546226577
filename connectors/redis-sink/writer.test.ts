import type { ChainableCommander } from 'ioredis';
import type { Measurement } from '../../schemas/types';
import { measurementCommands, WrittenSeries } from './writer';

const t0 = Date.UTC(2024, 0, 1);

function reading(path: string, timestamp: number): Measurement {
  const [, tenant = '', site = '', device = '', metric = ''] = path.split('/');
  return { path, tenant, site, device, metric, kind: 'non_additive', timestamp, value: 1, unit: null, tags: {}, receivedAt: timestamp, sourceTopic: null };
}

/** What the commands would send: the readings of each script call as [path, time], and the hierarchy sets added to. */
function sent(commands: ReturnType<typeof measurementCommands>['commands']) {
  const readings: [string, string][] = [];
  const sets: string[] = [];
  const pipeline = {
    evalsha: (_sha: string, _keys: number, _latest: string, _live: string, json: string) => { for (const r of JSON.parse(json) as string[][]) readings.push([r[0]!, r[1]!]); },
    sadd: (key: string) => { sets.push(key); },
  } as unknown as ChainableCommander;
  for (const command of commands) command(pipeline);
  return { readings, sets };
}

describe('measurementCommands with the series this sink has written', () => {
  const a = '/t/s/d1/a';
  const b = '/t/s/d2/b';

  it('leaves out readings no newer than what was written, once the write is confirmed, and adds only new paths to the hierarchy', () => {
    const series = new WrittenSeries(100);
    const first = measurementCommands('p:', [reading(a, t0 + 2000), reading(a, t0 + 1000), reading(b, t0)], 10, series);
    expect(sent(first.commands).readings).toEqual([[a, String(t0 + 2000)], [a, String(t0 + 1000)], [b, String(t0)]]);
    expect(first.skipped).toBe(0);
    // not confirmed yet: nothing is known, everything is sent again
    expect(measurementCommands('p:', [reading(a, t0)], 10, series).skipped).toBe(0);
    first.written();

    const second = measurementCommands('p:', [reading(a, t0 + 2000), reading(a, t0 + 500), reading(b, t0 + 1), reading('/t/s/d3/c', t0)], 10, series);
    const { readings, sets } = sent(second.commands);
    expect(readings).toEqual([[b, String(t0 + 1)], ['/t/s/d3/c', String(t0)]]);
    expect(second.skipped).toBe(2);
    expect(sets.sort()).toEqual(['p:children:/', 'p:children:/t', 'p:children:/t/s', 'p:children:/t/s/d3']); // the new path's edges only
  });

  it('keeps the newest time when an older write is confirmed after a newer one', () => {
    const series = new WrittenSeries(100);
    const newer = measurementCommands('p:', [reading(a, t0 + 5000)], 10, series);
    const older = measurementCommands('p:', [reading(a, t0 + 1000)], 10, series);
    newer.written();
    older.written();
    expect(series.newestTime(a)).toBe(t0 + 5000);
  });

  it('forgets everything when full or cleared, and then sends every reading again', () => {
    const series = new WrittenSeries(2);
    measurementCommands('p:', [reading(a, t0), reading(b, t0)], 10, series).written();
    expect(measurementCommands('p:', [reading(a, t0)], 10, series).skipped).toBe(1);
    measurementCommands('p:', [reading('/t/s/d3/c', t0)], 10, series).written();
    expect(series.newestTime(a)).toBeUndefined();
    expect(series.newestTime('/t/s/d3/c')).toBe(t0);
    series.clear();
    expect(measurementCommands('p:', [reading('/t/s/d3/c', t0)], 10, series).skipped).toBe(0);
  });

  it('sends everything without a record of what was written', () => {
    const write = measurementCommands('p:', [reading(a, t0), reading(a, t0)], 1);
    expect(sent(write.commands).readings).toHaveLength(2);
    expect(write.skipped).toBe(0);
  });
});
