/**
 * Dampening of an event automation, per subject (a series, or a device): the
 * outcomes of its conditions for the subject's newest events, and whether it
 * is armed. It fires when the window is satisfied (the last N outcomes held,
 * or N of the last M) while armed, and is disarmed until the window is no
 * longer satisfied: "3 consecutive above 80" fires once on the third reading
 * above 80, not on the fourth, and again only after a reading that is not.
 * Without dampening every event whose conditions hold fires. Pure.
 */
import type { Dampening } from '../../schemas/automation';

export interface DampeningState {
  /** outcomes, oldest first, at most the window's length */
  outcomes: boolean[];
  armed: boolean;
}

export function initialDampening(): DampeningState {
  return { outcomes: [], armed: true };
}

/** Nothing to remember: such a state is tombstoned in the changelog. */
export function isIdle(state: DampeningState): boolean {
  return state.armed && state.outcomes.every((o) => !o);
}

function windowOf(dampening: Dampening): { size: number; needed: number } {
  return 'consecutive' in dampening ? { size: dampening.consecutive, needed: dampening.consecutive } : { size: dampening.of, needed: dampening.atLeast };
}

export function dampen(dampening: Dampening, state: DampeningState, holds: boolean): { state: DampeningState; fire: boolean } {
  const { size, needed } = windowOf(dampening);
  const outcomes = [...state.outcomes, holds].slice(-size);
  const satisfied = outcomes.filter(Boolean).length >= needed;
  const fire = satisfied && state.armed;
  return { state: { outcomes, armed: !satisfied }, fire };
}
