import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brokerPasswordHash } from '../registry/broker-password-hash';
import { readAuthFile, writeAuthFile } from './auth-file-io';

const scratchDirs: string[] = [];
async function scratch(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'auth-file-'));
  scratchDirs.push(dir);
  return dir;
}
afterAll(() => Promise.all(scratchDirs.map((dir) => rm(dir, { recursive: true, force: true }))));

describe('writing the auth file', () => {
  it('replaces the file with a new one (a new inode), mode 0600, and leaves no temporary file', async () => {
    const dir = await scratch();
    const path = join(dir, 'auth');
    await writeFile(path, 'old\n');
    const before = await stat(path);
    const entries = [{ username: 'a/b/c', passwordHash: brokerPasswordHash('pw') }];
    await writeAuthFile(path, entries);
    const after = await stat(path);
    expect(after.ino).not.toBe(before.ino);
    expect(after.mode & 0o777).toBe(0o600);
    expect(await readdir(dir)).toEqual(['auth']);
    expect(await readAuthFile(path)).toEqual(entries);
  });

  it('leaves the old file when the entries are invalid', async () => {
    const dir = await scratch();
    const path = join(dir, 'auth');
    await writeFile(path, 'old\n');
    await expect(writeAuthFile(path, [{ username: 'a/b/c', passwordHash: 'plain' }])).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    expect(await readFile(path, 'utf8')).toBe('old\n');
    expect(await readdir(dir)).toEqual(['auth']);
  });
});
