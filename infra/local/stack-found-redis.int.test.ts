/**
 * The stack script's bookkeeping of Redis, against throwaway redis-servers on
 * free ports and a temporary state directory (STACK_STATE_DIR): the shared
 * stack's servers are never touched.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, onCleanup } from '../../test/factories';

const run = promisify(execFile);
const script = join(__dirname, 'stack.sh');

/** A fresh state directory and port; whatever Redis ends up on the port is shut down after the file's tests. */
async function sandbox() {
  const dir = mkdtempSync(join(tmpdir(), 'stack-test-'));
  const port = await freePort();
  const env = { ...process.env, STACK_STATE_DIR: join(dir, 'state'), REDIS_PORT: String(port), WAIT_SECONDS: '20' };
  const redis = (...args: string[]) => run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args]).then(({ stdout }) => stdout.trim());
  onCleanup(async () => {
    await redis('shutdown', 'nosave').catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    dir,
    port,
    redis,
    answers: () => redis('ping').then((reply) => reply === 'PONG', () => false),
    pid: () => redis('info', 'server').then((info) => /process_id:(\d+)/.exec(info)![1]),
    /** `stack.sh <command>`, or with `source:` one of its functions (`up` and `down` would touch the other servers too). */
    stack: (command: string, options: { source?: boolean } = {}) =>
      options.source ? run('bash', ['-c', `source "${script}" && ${command}`], { env }) : run(script, [command], { env }),
    recorded: (what: 'started/redis' | 'found/redis.conf') => existsSync(join(dir, 'state', what)),
  };
}

/** "The machine's" Redis: started here, not by the stack, with a setting the stack would not choose. */
async function startMachineRedis(box: Awaited<ReturnType<typeof sandbox>>): Promise<void> {
  await run('redis-server', ['--daemonize', 'yes', '--bind', '127.0.0.1', '--port', String(box.port), '--save', '', '--appendonly', 'no', '--dir', box.dir, '--maxmemory', '7mb', '--logfile', join(box.dir, 'machine.log')]);
  const deadline = Date.now() + 10_000;
  while (!(await box.answers())) {
    if (Date.now() > deadline) throw new Error('the throwaway Redis did not answer');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('stack.sh and a Redis it found running', () => {
  it('restart-redis brings the machine\'s Redis back as it was found, and down leaves it running', async () => {
    const box = await sandbox();
    await startMachineRedis(box);
    const before = await box.pid();

    await box.stack('restart-redis');
    expect(await box.pid()).not.toBe(before);
    expect(await box.redis('config', 'get', 'maxmemory')).toBe('maxmemory\n7340032');
    expect(box.recorded('started/redis')).toBe(false);

    await box.stack('down');
    expect(await box.answers()).toBe(true);
  });

  it('up remembers a Redis found running as the machine\'s; down brings it back if a test left it stopped', async () => {
    const box = await sandbox();
    await startMachineRedis(box);
    await box.stack('redis_up', { source: true });
    expect(box.recorded('found/redis.conf')).toBe(true);
    expect(box.recorded('started/redis')).toBe(false);

    await box.redis('shutdown', 'nosave').catch(() => undefined);
    await box.stack('down');
    expect(await box.answers()).toBe(true);
    expect(await box.redis('config', 'get', 'maxmemory')).toBe('maxmemory\n7340032');
    expect(box.recorded('found/redis.conf')).toBe(false);
  });

  it('restarts a Redis the stack started as its own, and down stops it', async () => {
    const box = await sandbox();
    await box.stack('redis_up', { source: true });
    expect(box.recorded('started/redis')).toBe(true);

    await box.stack('restart-redis');
    expect(await box.answers()).toBe(true);
    expect(box.recorded('started/redis')).toBe(true);
    expect(box.recorded('found/redis.conf')).toBe(false);

    await box.stack('down');
    expect(await box.answers()).toBe(false);
  });
});
