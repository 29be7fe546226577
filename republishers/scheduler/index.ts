/**
 * The local stack's scheduler (the design card's node-cron): runs the
 * periodic jobs that Kubernetes runs as CronJobs, the same `fleetstream`
 * commands on the same schedules, each in a child process, one run of a job
 * at a time: `hierarchy publish` (infra/k8s/device-hierarchy.cronjob.yaml) and,
 * with SCHEDULER_ARCHIVE_TO, `archive run` (infra/k8s/archive.cronjob.yaml).
 */
import { schedule, type ScheduledTask } from 'node-cron';
import { Counter, Gauge } from 'prom-client';
import type { RunningComponent } from '../../lib/component';
import { componentLogger, type Logger } from '../../lib/logger';
import { createMetricsRegistry } from '../../lib/metrics';
import { closeOnFailure, type OpenedResources } from '../../lib/opened-resources';
import { fleetstreamCommand, type CommandResult, type CommandRunner, type RunningCommand } from './fleetstream-command';
import { NonOverlappingRuns } from './non-overlapping-runs';
import { parseSchedulerOptions, type SchedulerOptions } from './options';

interface JobSpec {
  name: string;
  schedule: string;
  args: string[];
}

/** The jobs, as the CronJobs of infra/k8s run them. */
function scheduledJobs(options: SchedulerOptions): JobSpec[] {
  const jobs = [{ name: 'hierarchy-publish', schedule: options.hierarchySchedule, args: ['hierarchy', 'publish', '--key-prefix', options.keyPrefix] }];
  if (options.archiveTo !== undefined) jobs.push({ name: 'archive-run', schedule: options.archiveSchedule, args: ['archive', 'run', '--to', options.archiveTo] });
  return jobs;
}

interface JobState {
  spec: JobSpec;
  task: ScheduledTask;
  runs: NonOverlappingRuns;
  lastOutcome?: 'succeeded' | 'failed' | 'stopped';
  lastRunAt?: Date;
}

/** `runCommand` runs a job's command: a child `fleetstream` process unless a test injects another. */
export function start(input: unknown, logger: Logger = componentLogger('scheduler'), runCommand: CommandRunner = fleetstreamCommand()): Promise<RunningComponent> {
  return closeOnFailure(logger, (opened) => startWith(input, logger, runCommand, opened));
}

async function startWith(input: unknown, logger: Logger, runCommand: CommandRunner, opened: OpenedResources): Promise<RunningComponent> {
  const options = parseSchedulerOptions(input);
  const metrics = createMetricsRegistry('scheduler');
  const runsTotal = new Counter({ name: 'fleetstream_scheduler_runs_total', help: 'Runs of a job that ended, by outcome: succeeded, failed (exit code not 0, or timed out), stopped (with the scheduler)', labelNames: ['job', 'outcome'], registers: [metrics] });
  const skipped = new Counter({ name: 'fleetstream_scheduler_skipped_total', help: 'Scheduled runs skipped because the previous run of the job was still going', labelNames: ['job'], registers: [metrics] });
  const running = new Gauge({ name: 'fleetstream_scheduler_running', help: '1 while a run of the job is going', labelNames: ['job'], registers: [metrics] });
  const lastSuccess = new Gauge({ name: 'fleetstream_scheduler_last_success_timestamp_seconds', help: 'When the last successful run of the job ended (Unix time)', labelNames: ['job'], registers: [metrics] });
  const lastDuration = new Gauge({ name: 'fleetstream_scheduler_last_run_duration_seconds', help: 'How long the last run of the job took', labelNames: ['job'], registers: [metrics] });

  const commands = new Set<RunningCommand>();
  const jobs: JobState[] = [];
  let stopping = false;

  const runJob = async (state: JobState, reason: 'start' | 'schedule'): Promise<void> => {
    const job = state.spec.name;
    const started = performance.now();
    running.set({ job }, 1);
    logger.info({ event: 'job_started', job, reason, args: state.spec.args }, `${job} started`);
    let result: CommandResult;
    try {
      const command = runCommand(state.spec.args, options.jobTimeout);
      commands.add(command);
      result = await command.done.finally(() => commands.delete(command));
    } catch (error) {
      result = { code: null, signal: null, timedOut: false, output: (error as Error).message };
    }
    const seconds = (performance.now() - started) / 1000;
    const outcome = result.code === 0 ? 'succeeded' : stopping ? 'stopped' : 'failed';
    Object.assign(state, { lastOutcome: outcome, lastRunAt: new Date() });
    running.set({ job }, 0);
    lastDuration.set({ job }, seconds);
    runsTotal.inc({ job, outcome });
    const output = result.output.trim().split('\n').slice(-5).join('\n');
    if (outcome === 'succeeded') {
      lastSuccess.set({ job }, Date.now() / 1000);
      logger.info({ event: 'job_succeeded', job, ms: Math.round(seconds * 1000), output }, `${job} succeeded`);
    } else if (outcome === 'stopped') {
      logger.warn({ event: 'job_stopped', job, ms: Math.round(seconds * 1000), code: result.code, signal: result.signal, output }, `${job} stopped with the scheduler`);
    } else {
      logger.error({ event: 'job_failed', job, ms: Math.round(seconds * 1000), code: result.code, signal: result.signal, timedOut: result.timedOut, output }, `${job} failed; it runs again at its next scheduled time`);
    }
  };
  const trigger = (state: JobState, reason: 'start' | 'schedule'): void => {
    if (!stopping) void state.runs.trigger(() => runJob(state, reason));
  };

  for (const spec of scheduledJobs(options)) {
    const runs = new NonOverlappingRuns(() => {
      skipped.inc({ job: spec.name });
      logger.warn({ event: 'job_skipped', job: spec.name }, `${spec.name} is still running: this scheduled run is skipped`);
    });
    const state: JobState = { spec, runs, task: schedule(spec.schedule, () => trigger(state, 'schedule'), { name: spec.name, timezone: options.timeZone, logger: cronLogger(logger) }) };
    opened.add(`${spec.name} schedule`, () => state.task.destroy());
    jobs.push(state);
    logger.info({ event: 'job_scheduled', job: spec.name, schedule: spec.schedule, timeZone: options.timeZone, nextRunAt: state.task.getNextRun() }, `${spec.name} scheduled`);
    if (options.runAtStart) trigger(state, 'start');
  }
  opened.add('running jobs', async () => {
    stopping = true;
    for (const command of commands) command.stop();
    await Promise.all(jobs.map((j) => j.runs.idle()));
  });

  return {
    metrics,
    ready: () => !stopping,
    readiness: () => ({
      jobs: Object.fromEntries(jobs.map((j) => [j.spec.name, { schedule: j.spec.schedule, running: j.runs.busy, lastOutcome: j.lastOutcome ?? null, lastRunAt: j.lastRunAt ?? null, nextRunAt: j.task.getNextRun() }])),
    }),
    stop: () => opened.close(),
  };
}

/** node-cron's own messages (a missed execution after a stall) as log events. */
function cronLogger(logger: Logger) {
  return {
    info: (message: string) => logger.info({ event: 'cron' }, message),
    warn: (message: string) => logger.warn({ event: 'cron' }, message),
    error: (message: string | Error, err?: Error) => logger.error({ event: 'cron', err: err ?? message }, String(message)),
    debug: (message: string | Error, err?: Error) => logger.debug({ event: 'cron', err }, String(message)),
  };
}
