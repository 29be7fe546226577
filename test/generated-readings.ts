import type { ParameterKind } from '../schemas/types';

/** A series to generate readings for. */
export interface SeriesSpec {
  path: string;
  kind: ParameterKind;
  unit: string | null;
}

/** A raw reading, epoch ms. */
export interface GeneratedReading {
  path: string;
  time: number;
  value: number;
}

/** A deterministic pseudo-random generator (tests and benchmarks must be replayable). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Irregular readings of one series between `start` and `end`: a step of
 * `meanStepMs` +-50% (not aligned to any bucket), optional gaps, values by kind
 * (energy: an increasing counter with one reset; additive: small increments;
 * gauge: a wandering level).
 */
export function generateReadings(
  series: SeriesSpec,
  options: { start: number; end: number; meanStepMs: number; seed: number; gaps?: [number, number][]; resetAt?: number },
): GeneratedReading[] {
  const random = seededRandom(options.seed);
  const readings: GeneratedReading[] = [];
  let counter = 1000 * random();
  let level = 20;
  let reset = false;
  for (let time = options.start + Math.floor(random() * options.meanStepMs); time < options.end; time += Math.max(1, Math.floor(options.meanStepMs * (0.5 + random())))) {
    if (options.gaps?.some(([from, to]) => time >= from && time < to)) continue;
    let value: number;
    if (series.kind === 'energy') {
      if (!reset && options.resetAt !== undefined && time >= options.resetAt) {
        counter = 3 * random();
        reset = true;
      } else {
        counter += 5 * random();
      }
      value = Math.round(counter * 1000) / 1000;
    } else if (series.kind === 'additive') {
      value = Math.round(10 * random() * 100) / 100;
    } else {
      level += random() - 0.5;
      value = Math.round(level * 100) / 100;
    }
    readings.push({ path: series.path, time, value });
  }
  return readings;
}
