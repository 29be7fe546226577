/**
 * A small seeded pseudo-random generator (mulberry32), so a simulation with the
 * same `seed` publishes the same values, injections and topics.
 */
export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform in [min, max). */
  between(min: number, max: number): number;
  /** A whole number in [0, n). */
  integer(n: number): number;
  /** True with probability `p`. */
  chance(p: number): boolean;
  /** Standard normal (mean 0, deviation 1). */
  gaussian(): number;
  /** A new generator derived from this one, so independent streams stay reproducible. */
  fork(): Random;
}

export function createRandom(seed: number): Random {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const random: Random = {
    next,
    between: (min, max) => min + (max - min) * next(),
    integer: (n) => Math.floor(next() * n),
    chance: (p) => p > 0 && next() < p,
    gaussian: () => {
      // Box-Muller; 1 - next() keeps the logarithm's argument above 0
      const u = 1 - next();
      const v = next();
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    },
    fork: () => createRandom(Math.floor(next() * 4294967296)),
  };
  return random;
}
