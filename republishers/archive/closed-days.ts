/**
 * Which UTC days may be archived as final. Pure: the clock is the caller's.
 *
 * Day D ([D, D+1d)) can still change while a reading for it can enter the
 * rollups: the rollups processor accepts a reading up to its correction
 * horizon old (by the wall clock), so the last one that can correct D is
 * stamped just before D+1d and arrives at D+1d+horizon. `settle` adds the
 * pipeline's lag on top (a reading accepted at the horizon's edge is stored
 * by the sinks a little later). Raw readings older than the horizon are still
 * stored (dead-lettered `too_old`, listed in `too_old_readings`): those are
 * what re-exports a day already archived (see late-readings in archive-store.ts).
 */
export const dayMs = 86_400_000;

/** `2026-11-20` for the UTC day holding `ms`. */
export function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** The day's start, in ms; `day` is `YYYY-MM-DD`. */
export function dayStart(day: string): number {
  return Date.parse(`${day}T00:00:00.000Z`);
}

/** The newest day that is closed at `now`, or undefined if none is. */
export function lastClosedDay(now: number, horizonMs: number, settleMs: number): string {
  // D is closed when D+1d+horizon+settle <= now
  return dayOf(now - horizonMs - settleMs - dayMs);
}

/** The closed days from `since` to `until` (inclusive, `YYYY-MM-DD`), oldest first; `until` past the last closed day stops there. */
export function closedDays(range: { since: string; until?: string }, now: number, horizonMs: number, settleMs: number): string[] {
  const last = lastClosedDay(now, horizonMs, settleMs);
  const until = range.until === undefined || range.until > last ? last : range.until;
  const days: string[] = [];
  for (let ms = dayStart(range.since); dayOf(ms) <= until; ms += dayMs) days.push(dayOf(ms));
  return days;
}
