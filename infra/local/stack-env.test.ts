import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { componentNamed } from '../../bin/components';

const run = promisify(execFile);

describe('stack.sh env', () => {
  it("prints HTTP_INGEST_URL at the http-source's port, HTTP_SOURCE_PORT when set", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fleetstream-stack-env-'));
    try {
      const script = join(__dirname, 'stack.sh');
      const env: NodeJS.ProcessEnv = { ...process.env, STACK_STATE_DIR: dir };
      delete env.HTTP_SOURCE_PORT;
      const defaults = (await run(script, ['env'], { env })).stdout;
      expect(defaults).toContain(`export HTTP_INGEST_URL=http://127.0.0.1:${componentNamed('http-source').servicePorts!.http}/v1/ingest\n`);
      const moved = (await run(script, ['env'], { env: { ...env, HTTP_SOURCE_PORT: '18090' } })).stdout;
      expect(moved).toContain('export HTTP_INGEST_URL=http://127.0.0.1:18090/v1/ingest\n');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
