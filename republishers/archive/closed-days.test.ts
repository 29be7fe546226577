import { closedDays, dayOf, lastClosedDay } from './closed-days';

const hour = 3_600_000;
const day = 24 * hour;

describe('closed days', () => {
  it('close a day once its end is the correction horizon plus the settle time ago, not a millisecond before', () => {
    // 2026-11-20 ends at 2026-11-21T00:00Z; with 7 days and 1 hour it closes at 2026-11-28T01:00Z
    const closes = Date.parse('2026-11-28T01:00:00Z');
    expect(lastClosedDay(closes, 7 * day, hour)).toBe('2026-11-20');
    expect(lastClosedDay(closes - 1, 7 * day, hour)).toBe('2026-11-19');
  });

  it('list the days of the range oldest first, stopping at the last closed day', () => {
    const now = Date.parse('2026-12-03T12:00:00Z');
    expect(closedDays({ since: '2026-11-23' }, now, 7 * day, hour)).toEqual(['2026-11-23', '2026-11-24', '2026-11-25']);
    expect(closedDays({ since: '2026-11-23', until: '2026-11-24' }, now, 7 * day, hour)).toEqual(['2026-11-23', '2026-11-24']);
    expect(closedDays({ since: '2026-11-23', until: '2026-12-02' }, now, 7 * day, hour)).toEqual(['2026-11-23', '2026-11-24', '2026-11-25']);
    expect(closedDays({ since: '2026-11-30' }, now, 7 * day, hour)).toEqual([]);
  });

  it('cross month and leap-year ends in UTC', () => {
    expect(closedDays({ since: '2028-02-28', until: '2028-03-01' }, Date.parse('2029-01-01T00:00:00Z'), day, 0)).toEqual(['2028-02-28', '2028-02-29', '2028-03-01']);
    expect(dayOf(Date.parse('2026-11-20T23:59:59.999Z'))).toBe('2026-11-20');
  });
});
