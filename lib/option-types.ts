import { z } from 'zod';
import { readDuration } from './duration';

/**
 * The types options are written in. Every option can come from the
 * environment, so each accepts its text form as well as its value
 * (`MQTT_SOURCE_BATCH_MAX_RECORDS=500`, `ROLLUPS_RESOLUTIONS=1m,1h,1d`,
 * `REDIS_SINK_HORIZONS=1m=24h,1h=30d`).
 */

/** A whole number in [min, max]. */
export function integer(min: number, max = Number.MAX_SAFE_INTEGER) {
  return z.coerce.number().int().min(min).max(max);
}

/** A number in [min, max]. */
export function decimal(min: number, max = Number.MAX_VALUE) {
  return z.coerce.number().min(min).max(max);
}

/** true/false, also as `true`, `false`, `1`, `0`, `yes`, `no`. */
const flagWords: Record<string, boolean> = { true: true, false: false, 1: true, 0: false, yes: true, no: false };
export const flag = z.preprocess((value) => (typeof value === 'string' ? (flagWords[value.trim().toLowerCase()] ?? value) : value), z.boolean({ error: 'must be true or false' }));

/** A duration (lib/duration.ts: `500ms`, `30s`, `5m`, `7d`), read as milliseconds; give defaults with `.prefault('30s')`. */
export function duration(bounds: { min?: number; max?: number } = {}) {
  return z.string().transform((text, ctx) => {
    const parsed = readDuration(text);
    if (!parsed) {
      ctx.addIssue({ code: 'custom', message: `${JSON.stringify(text)} is not a duration: write a whole number and a unit (ms, s, m, h, d, w, y), for example 30s, 5m, 7d` });
      return z.NEVER;
    }
    if (bounds.min !== undefined && parsed.ms < bounds.min) ctx.addIssue({ code: 'custom', message: `must be at least ${bounds.min} ms` });
    if (bounds.max !== undefined && parsed.ms > bounds.max) ctx.addIssue({ code: 'custom', message: `must be at most ${bounds.max} ms` });
    return parsed.ms;
  });
}

/** A PostgreSQL schema or table name as fleetstream creates them: lower case, unquoted-safe. */
export const sqlIdentifier = z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lower-case SQL identifier (letters, digits, _)');

/** A comma-separated list, or an array, of at least `min` items. */
export function list<T extends z.ZodType>(item: T, min = 0) {
  return z.preprocess((value) => (typeof value === 'string' ? value.split(',').map((part) => part.trim()).filter(Boolean) : value), z.array(item).min(min));
}

/** `key=value` pairs, comma-separated (`1m=24h,1h=30d`), or an object. */
export function keyValues<T extends z.ZodType>(value: T) {
  return z.preprocess((input) => {
    if (typeof input !== 'string') return input;
    const entries = input.split(',').map((pair) => pair.trim()).filter(Boolean).map((pair) => {
      const at = pair.indexOf('=');
      return at < 0 ? [pair, ''] : [pair.slice(0, at).trim(), pair.slice(at + 1).trim()];
    });
    return Object.fromEntries(entries);
  }, z.record(z.string(), value));
}

/** Text that `parse` takes (a topic root, a scheme): what it throws is the option's problem. */
export function parsedText(parse: (text: string) => unknown) {
  return z.string().superRefine((text, ctx) => {
    try {
      parse(text);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message });
    }
  });
}
