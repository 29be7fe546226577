import { validateDetailed } from 'node-cron';
import { z } from 'zod';
import { parseOptions } from '../../lib/config';
import { duration, flag } from '../../lib/option-types';

/** A cron expression as node-cron reads it: 5 fields, or 6 with seconds first. */
const cronExpression = z.string().superRefine((text, ctx) => {
  const { valid, errors } = validateDetailed(text);
  if (!valid) ctx.addIssue({ code: 'custom', message: `"${text}" is not a cron expression (${errors.map((e) => e.message).join('; ')}): write minute hour day-of-month month day-of-week, for example 0 */6 * * *` });
});

const timeZone = z.string().refine((zone) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}, 'must be an IANA time zone, for example Etc/UTC or Asia/Kolkata');

/**
 * Options of the local stack's scheduler: `SCHEDULER_<OPTION>` in the
 * environment. The jobs it starts are `fleetstream` commands that read the
 * connection variables (REDIS_URL, DATABASE_URL, REGISTRY_DATABASE_SCHEMA)
 * from the environment it passes on.
 */
export const schedulerOptionsSchema = z.strictObject({
  hierarchySchedule: cronExpression.default('0 */6 * * *').meta({
    description: 'When `fleetstream hierarchy publish` runs: a cron expression (5 fields, or 6 with seconds first), the schedule of the Kubernetes CronJob device-hierarchy-publish.',
  }),
  keyPrefix: z.string().min(1).default('fleet:').meta({ description: "Passed to `hierarchy publish --key-prefix`: the redis-sink's REDIS_SINK_KEY_PREFIX." }),
  archiveSchedule: cronExpression.default('30 2 * * *').meta({
    description: 'When `fleetstream archive run` runs (with SCHEDULER_ARCHIVE_TO set): the schedule of the Kubernetes CronJob archive-run.',
  }),
  archiveTo: z.string().min(1).optional().meta({ description: 'Passed to `archive run --to` (`file:///dir` or `s3://bucket/prefix`); unset: the archive job is not scheduled.' }),
  runAtStart: flag.default(true).meta({ description: 'Run every job once at start too, not only on its schedule.' }),
  timeZone: timeZone.default('Etc/UTC').meta({ description: 'Time zone the schedules are read in (the CronJobs use Etc/UTC).' }),
  jobTimeout: duration({ min: 1000 }).prefault('30m').meta({ description: 'A run taking longer is stopped (SIGTERM) and counted as failed, like the CronJob\'s activeDeadlineSeconds.' }),
});

export type SchedulerOptions = z.output<typeof schedulerOptionsSchema>;

export function parseSchedulerOptions(input: unknown): SchedulerOptions {
  return parseOptions(schedulerOptionsSchema, input, 'scheduler options');
}
