import { FleetstreamError } from '../../lib/errors';
import type { TimeExpression } from './ast';

const isoParts = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/** Earliest and latest instants a query may name: years 1 to 9999 (PostgreSQL and JavaScript both hold them). */
export const earliestTime = new Date('0001-01-01T00:00:00Z').getTime();
export const latestTime = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

function daysInMonth(year: number, month: number): number {
  return month === 2 ? (isLeap(year) ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;
}

function isLeap(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/**
 * Epoch milliseconds of an ISO 8601 time (`2024-05-01`, `2024-05-01T12:00:00.5+02:00`;
 * a time without zone is UTC), or undefined when it is not a valid one.
 */
export function parseIsoTime(text: string): number | undefined {
  const m = isoParts.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6]].map((part) => Number(part ?? 0)) as [number, number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const millis = m[7] ? Math.floor(Number(`0.${m[7]}`) * 1000) : 0;
  let offsetMinutes = 0;
  const zone = m[8];
  if (zone && zone !== 'Z') {
    const digits = zone.slice(1).replace(':', '');
    const hours = Number(digits.slice(0, 2));
    const minutes = Number(digits.slice(2));
    if (hours > 23 || minutes > 59) return undefined;
    offsetMinutes = (zone.startsWith('-') ? -1 : 1) * (hours * 60 + minutes);
  }
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, millis);
  return date.getTime() - offsetMinutes * 60_000;
}

/** The instant a time expression names, given the current time; throws QUERY_INVALID outside years 1 to 9999. */
export function resolveTime(expression: TimeExpression, nowMs: number): number {
  const base = expression.kind === 'now' ? nowMs : expression.epochMs;
  const time = base + expression.offsetMs;
  if (!(time >= earliestTime && time <= latestTime)) {
    throw new FleetstreamError('QUERY_INVALID', `time ${time} is outside the years 1 to 9999; use an ISO 8601 time, epoch milliseconds or now`);
  }
  return time;
}
