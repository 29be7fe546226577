/**
 * A run interrupted with Ctrl-C (SIGINT) or SIGTERM stops the components it
 * started, which run detached in process groups of their own: before, an
 * interrupted benchmark left them consuming. Runs the built pipeline module
 * and CLI (dist/, which is where the pipeline finds the CLI; `make test`
 * builds them first).
 */
import { spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from '../../test/free-port';
import { eventually, onCleanup } from '../../test/factories';
import { alive } from './pipeline';

describe('the local pipeline, interrupted', () => {
  it.each(['SIGINT', 'SIGTERM'] as const)('stops the components this process started on %s, then exits 130', async (signal) => {
    const name = `interrupt-test-${Math.random().toString(36).slice(2, 8)}`;
    const spec = { name, args: ['scheduler'], opsPort: await freePort(), env: { SCHEDULER_RUN_AT_START: 'false' } };
    const script = `const p = require('./dist/infra/local/pipeline');
      p.stopStartedOnInterrupt((line) => console.log(line));
      p.startComponent(${JSON.stringify(spec)}).then(async (c) => { await p.waitReady(c); console.log('component ' + c.pid); setInterval(() => undefined, 1000); });`;
    const root = join(__dirname, '..', '..');
    const child = spawn(process.execPath, ['-e', script], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const component: { pid?: number } = {};
    onCleanup(async () => {
      if (component.pid !== undefined && alive(component.pid)) process.kill(component.pid, 'SIGKILL');
      if (child.exitCode === null) child.kill('SIGKILL');
      const local = join(root, '.local');
      await Promise.all([join(local, 'pipeline', `${name}.pid`), join(local, 'pipeline', `${name}.log`), join(local, 'started', `component-${name}`)].map((file) => rm(file, { force: true })));
    });

    const componentPid = await eventually(() => {
      const found = /component (\d+)/.exec(output);
      return found ? Number(found[1]) : undefined;
    }, 'the component started and ready', 60_000);
    component.pid = componentPid;
    expect(alive(componentPid)).toBe(true);
    child.kill(signal);
    expect(await exited).toBe(130);
    expect(output).toContain(`${signal}: stopping the 1 component(s) this run started (${name})`);
    expect(alive(componentPid)).toBe(false);
  });
});
