import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { onCleanup } from '../test/factories';
import { brokerPasswordHash, brokerPasswordMatches } from './broker-password-hash';

describe('the broker password hash', () => {
  it('is what mosquitto_passwd writes for the same password, salt and iterations', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'broker-hash-'));
    onCleanup(() => rm(dir, { recursive: true, force: true }));
    const file = join(dir, 'passwd');
    await promisify(execFile)('mosquitto_passwd', ['-c', '-b', file, 'acme/p1/m1', 'a-device-password']);
    const written = (await readFile(file, 'utf8')).trim().slice('acme/p1/m1:'.length);
    const [, seven, iterations, salt] = written.split('$');
    expect(seven).toBe('7');
    expect(brokerPasswordHash('a-device-password', Number(iterations), Buffer.from(salt!, 'base64'))).toBe(written);
    expect(brokerPasswordHash('another-password', Number(iterations), Buffer.from(salt!, 'base64'))).not.toBe(written);
    expect(brokerPasswordMatches('a-device-password', written)).toBe(true);
    expect(brokerPasswordMatches('another-password', written)).toBe(false);
    expect(brokerPasswordMatches('a-device-password', written.replace('$7$', '$6$'))).toBe(false);
    expect(brokerPasswordMatches('a-device-password', 'scrypt$16384$8$1$c2FsdA$aGFzaA')).toBe(false);
  });
});
