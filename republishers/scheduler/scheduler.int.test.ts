import Redis from 'ioredis';
import { componentLogger } from '../../lib/logger';
import { addDevice } from '../../registry';
import { freshRegistry } from '../../registry/registry.fixture';
import { currentHierarchyFromHash, hierarchyCurrentKey } from '../../schemas/redis-hierarchy';
import { spawnComponent } from '../../test/cli-process';
import { eventually, freshKeyPrefix, onCleanup, testSettings } from '../../test/factories';
import type { CommandResult, CommandRunner } from './fleetstream-command';
import { start } from './index';

interface LogLine {
  event?: string;
  job?: string;
  reason?: string;
}

function logEvents(output: string): LogLine[] {
  return output.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as LogLine);
}

describe('the scheduler', () => {
  it('runs `fleetstream hierarchy publish` on its cron schedule, in a process of its own, one run after the other', async () => {
    const registry = await freshRegistry();
    await addDevice(registry, { tenant: 'hjs-acme', site: 'plant1', device: 'gw' });
    const redis = new Redis(testSettings().redisUrl);
    const prefix = freshKeyPrefix();
    onCleanup(async () => {
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      await redis.quit();
    });
    // every 2 seconds, and not at start: whatever is published, the schedule published
    const scheduler = spawnComponent('scheduler', { SCHEDULER_HIERARCHY_SCHEDULE: '*/2 * * * * *', SCHEDULER_RUN_AT_START: 'false', SCHEDULER_KEY_PREFIX: prefix, REGISTRY_DATABASE_SCHEMA: registry.schema });
    const succeeded = () => logEvents(scheduler.output()).filter((line) => line.event === 'job_succeeded' && line.job === 'hierarchy-publish').length;
    await eventually(() => (succeeded() >= 2 ? true : undefined), 'two scheduled runs that succeeded', 45_000);
    const current = currentHierarchyFromHash(await redis.hgetall(hierarchyCurrentKey(prefix)));
    expect(current).toMatchObject({ tenants: 1, sites: 1, devices: 1 });
    expect(current!.generation).toBeGreaterThanOrEqual(2);
    expect(await scheduler.kill('SIGTERM')).toBe(0);

    const runs = logEvents(scheduler.output()).filter((line) => line.job === 'hierarchy-publish' && ['job_started', 'job_succeeded', 'job_failed', 'job_stopped'].includes(line.event ?? ''));
    expect(runs.filter((line) => line.event === 'job_started').every((line) => line.reason === 'schedule')).toBe(true);
    // started, ended, started, ended: never a start while a run is going
    runs.forEach((line, i) => expect({ i, event: line.event === 'job_started' ? 'start' : 'end' }).toEqual({ i, event: i % 2 === 0 ? 'start' : 'end' }));
  }, 90_000);

  it('skips a scheduled run while the last one is still going, runs the next one after it, and stops the run going when it stops', async () => {
    const calls: { args: readonly string[]; finish: (result: CommandResult) => void; stopped: boolean }[] = [];
    let going = 0;
    let mostAtOnce = 0;
    const runCommand: CommandRunner = (args) => {
      going++;
      mostAtOnce = Math.max(mostAtOnce, going);
      let finish!: (result: CommandResult) => void;
      const done = new Promise<CommandResult>((resolve) => (finish = resolve)).finally(() => going--);
      const call = { args, finish, stopped: false };
      calls.push(call);
      return { done, stop: () => ((call.stopped = true), finish({ code: null, signal: 'SIGTERM', timedOut: false, output: '' })) };
    };
    const scheduler = await start({ hierarchySchedule: '* * * * * *', keyPrefix: 'test:' }, componentLogger('scheduler-test'), runCommand);
    onCleanup(() => scheduler.stop());
    const metric = async (name: string, labels: string) => {
      const match = new RegExp(`^${name}\\{${labels}[^}]*\\} (\\S+)$`, 'm').exec(await scheduler.metrics.metrics());
      return Number(match?.[1] ?? 0);
    };

    // the run at start hangs: the ticks of the next seconds are skipped
    expect(calls.map((c) => c.args)).toEqual([['hierarchy', 'publish', '--key-prefix', 'test:']]);
    await eventually(async () => ((await metric('fleetstream_scheduler_skipped_total', 'job="hierarchy-publish"')) >= 2 ? true : undefined), 'two skipped ticks', 10_000);
    expect(calls).toHaveLength(1);
    expect(scheduler.readiness?.()).toMatchObject({ jobs: { 'hierarchy-publish': { running: true, lastOutcome: null } } });

    calls[0]!.finish({ code: 0, signal: null, timedOut: false, output: 'hierarchy: published' });
    await eventually(() => (calls.length === 2 ? true : undefined), 'the next scheduled run', 10_000);
    expect(await metric('fleetstream_scheduler_runs_total', 'job="hierarchy-publish",outcome="succeeded"')).toBe(1);
    expect(mostAtOnce).toBe(1);

    await scheduler.stop();
    expect(calls[1]!.stopped).toBe(true);
    expect(await metric('fleetstream_scheduler_runs_total', 'job="hierarchy-publish",outcome="stopped"')).toBe(1);
    expect(calls).toHaveLength(2);
    expect(scheduler.ready()).toBe(false);
  }, 30_000);

  it('runs `archive run --to` on its own schedule beside the hierarchy job when SCHEDULER_ARCHIVE_TO is set', async () => {
    const calls: (readonly string[])[] = [];
    const runCommand: CommandRunner = (args) => {
      calls.push(args);
      return { done: Promise.resolve({ code: 0, signal: null, timedOut: false, output: '' }), stop: () => undefined };
    };
    const scheduler = await start({ hierarchySchedule: '0 */6 * * *', archiveSchedule: '30 2 * * *', archiveTo: 'file:///var/archive', keyPrefix: 'test:' }, componentLogger('scheduler-test'), runCommand);
    onCleanup(() => scheduler.stop());
    await eventually(() => (calls.length === 2 ? true : undefined), 'both jobs run at start', 10_000);
    expect(calls).toEqual([['hierarchy', 'publish', '--key-prefix', 'test:'], ['archive', 'run', '--to', 'file:///var/archive']]);
    expect(scheduler.readiness?.()).toMatchObject({ jobs: { 'hierarchy-publish': { schedule: '0 */6 * * *' }, 'archive-run': { schedule: '30 2 * * *' } } });
  });
});
