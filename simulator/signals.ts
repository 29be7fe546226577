import type { MetricName } from './metrics';
import type { Random } from './random';

/**
 * Realistic signals, one generator per series. Each is pure: its values depend
 * only on the event times it is asked for and its seeded random stream.
 */
export interface Signal {
  /** The value at event time `ts` (epoch ms); times are asked for in increasing order. */
  next(ts: number): number;
}

const hourMs = 3_600_000;
const dayMs = 24 * hourMs;

/** 0 at the coldest hour (03:00 UTC), 1 at the warmest (15:00 UTC). */
export function dailyCycle(ts: number): number {
  const hourOfDay = (((ts % dayMs) + dayMs) % dayMs) / hourMs;
  return (1 + Math.sin((2 * Math.PI * (hourOfDay - 9)) / 24)) / 2;
}

function round(value: number, decimals: number): number {
  const scale = 10 ** decimals;
  return Math.round(value * scale) / scale;
}

/** A room temperature: a daily cycle around a per-device base, plus noise. */
export function temperatureSignal(random: Random, options: { noise?: number } = {}): Signal {
  const base = random.between(16, 23);
  const amplitude = random.between(2, 6);
  const noise = options.noise ?? 0.3;
  return { next: (ts) => round(base + amplitude * (dailyCycle(ts) - 0.5) + noise * random.gaussian(), 2) };
}

export interface CounterOptions {
  /** Mean consumption per hour at the daily peak, in the meter's unit. */
  peakPerHour?: number;
  /** Probability that a reading finds the meter reset (restarted from 0). */
  resetProbability?: number;
}

/**
 * A cumulative meter (energy in kWh, water in L): never decreases, except when
 * it resets, after which it counts up again from 0.
 */
export function counterSignal(random: Random, options: CounterOptions = {}): Signal {
  const peakPerHour = (options.peakPerHour ?? 3) * random.between(0.3, 1.7);
  const resetProbability = options.resetProbability ?? 0.0005;
  let total = random.between(0, 10_000);
  let lastTs: number | undefined;
  return {
    next(ts) {
      const hours = lastTs === undefined ? 0 : Math.max(0, ts - lastTs) / hourMs;
      lastTs = ts;
      const increment = peakPerHour * hours * (0.3 + 0.7 * dailyCycle(ts)) * random.between(0.8, 1.2);
      total = random.chance(resetProbability) ? increment : total + increment;
      // floor, not round: a rounded running total could step back by one unit
      return Math.floor(total * 1000) / 1000;
    },
  };
}

/** Pulse counts per reading (an additive quantity): around `perHour` spread over the interval. */
export function pulseSignal(random: Random, options: { perHour?: number } = {}): Signal {
  const perHour = (options.perHour ?? 3600) * random.between(0.5, 1.5);
  let lastTs: number | undefined;
  return {
    next(ts) {
      const hours = lastTs === undefined ? 1 / 3600 : Math.max(0, ts - lastTs) / hourMs;
      lastTs = ts;
      const mean = perHour * hours * (0.5 + dailyCycle(ts));
      return Math.max(0, Math.round(mean + Math.sqrt(mean) * random.gaussian()));
    },
  };
}

/** Relative humidity: the inverse of the temperature cycle, within 20..90 %RH. */
function humiditySignal(random: Random): Signal {
  const base = random.between(40, 60);
  return { next: (ts) => round(Math.min(90, Math.max(20, base - 15 * (dailyCycle(ts) - 0.5) + 1.5 * random.gaussian())), 1) };
}

/** Mains voltage around 230 V. */
function voltageSignal(random: Random): Signal {
  return { next: () => round(230 + 2.5 * random.gaussian(), 1) };
}

export interface SignalOptions {
  resetProbability: number;
}

export function signalFor(metric: MetricName, random: Random, options: SignalOptions): Signal {
  switch (metric) {
    case 'temperature':
      return temperatureSignal(random);
    case 'energy_kwh':
      return counterSignal(random, { peakPerHour: 3, resetProbability: options.resetProbability });
    case 'water_l':
      return counterSignal(random, { peakPerHour: 40, resetProbability: options.resetProbability });
    case 'pulses':
      return pulseSignal(random);
    case 'humidity':
      return humiditySignal(random);
    case 'voltage':
      return voltageSignal(random);
  }
}
