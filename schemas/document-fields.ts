/** Fields the documents kept in git share (alert rules, automations, notification policies). Pure. */
import { z } from 'zod';
import { readDuration } from '../lib/duration';

/** An id or a name inside a tenant. */
export const documentName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:~@-]{0,99}$/, 'must be 1 to 100 letters, digits and _ . : ~ @ - (starting with a letter or digit)');

/** A duration written `30s`, `5m` (or milliseconds as a number), of at least `min` ms; milliseconds once parsed. */
export const durationMs = (min: number) =>
  z.union([z.string(), z.number().int()]).transform((value, ctx) => {
    const ms = typeof value === 'number' ? value : readDuration(value)?.ms;
    if (ms === undefined) ctx.addIssue({ code: 'custom', message: `${JSON.stringify(value)} is not a duration: write a whole number and a unit (ms, s, m, h, d), for example 30s, 5m` });
    else if (ms < min) ctx.addIssue({ code: 'custom', message: `must be at least ${min} ms` });
    else return ms;
    return z.NEVER;
  });

/** zod's issues as `path: message` lines, `prefix` before each path. */
export const issuesOf = (error: z.ZodError, prefix: (string | number)[] = []): string[] =>
  error.issues.map((i) => `${[...prefix, ...i.path].length > 0 ? `${[...prefix, ...i.path].join('.')}: ` : ''}${i.message}`);
