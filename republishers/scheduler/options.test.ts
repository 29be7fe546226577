import { parseSchedulerOptions } from './options';

describe('scheduler options', () => {
  it('default to the CronJob: every 6 hours in UTC, and a run at start', () => {
    expect(parseSchedulerOptions({})).toEqual({ hierarchySchedule: '0 */6 * * *', archiveSchedule: '30 2 * * *', keyPrefix: 'fleet:', runAtStart: true, timeZone: 'Etc/UTC', jobTimeout: 30 * 60_000 });
  });

  it('take six fields (seconds first) and another zone', () => {
    expect(parseSchedulerOptions({ hierarchySchedule: '*/2 * * * * *', timeZone: 'Asia/Kolkata', runAtStart: 'false' })).toMatchObject({ hierarchySchedule: '*/2 * * * * *', timeZone: 'Asia/Kolkata', runAtStart: false });
  });

  it('refuse a schedule that is no cron expression and an unknown zone, naming the option', () => {
    expect(() => parseSchedulerOptions({ hierarchySchedule: '0 */6 * *' })).toThrow(/hierarchySchedule: "0 \*\/6 \* \*" is not a cron expression \(expected 5 or 6 fields but got 4\)/);
    expect(() => parseSchedulerOptions({ timeZone: 'Mars/Olympus' })).toThrow(/timeZone: must be an IANA time zone/);
  });
});
