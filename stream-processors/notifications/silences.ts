/**
 * Silences: an alert whose labels match every matcher of a silence active
 * now (startsAt <= now < endsAt) is muted: it is left out of its group's
 * notifications, and once the silence ends the next flush of the group
 * notifies it (the notification log never saw it). Pure.
 */
import { matchesAll, parseMatcher, type Labels, type LabelMatcher } from '../../schemas/label-matchers';
import type { Silence } from '../../schemas/silence-store';

export interface ActiveSilence {
  id: string;
  matchers: LabelMatcher[];
}

/** The silences in force at `now`, by tenant; a stored matcher that no longer parses leaves its silence out. */
export function activeSilences(silences: readonly Silence[], now: number): Map<string, ActiveSilence[]> {
  const active = new Map<string, ActiveSilence[]>();
  for (const silence of silences) {
    if (!(silence.startsAt <= now && now < silence.endsAt)) continue;
    const matchers = silence.matchers.map(parseMatcher);
    if (matchers.some((m) => typeof m === 'string')) continue;
    const list = active.get(silence.tenant) ?? [];
    list.push({ id: silence.id, matchers: matchers as LabelMatcher[] });
    active.set(silence.tenant, list);
  }
  return active;
}

/** The ids of the silences that mute these labels. */
export function silencesMuting(silences: readonly ActiveSilence[], labels: Labels): string[] {
  return silences.filter((s) => matchesAll(s.matchers, labels)).map((s) => s.id);
}
