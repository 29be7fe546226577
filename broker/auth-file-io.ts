/**
 * Reading and writing the broker plugin's auth file. The plugin follows the
 * file by its inode, size and times, so a write replaces it whole: a temporary
 * file beside it, flushed to disk, renamed over it. The broker never reads half
 * a file, and a crash leaves the old file or the new one.
 */
import { randomBytes } from 'node:crypto';
import { open, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { authFileText, parseAuthFile, type AuthFileEntry } from './auth-file';

export async function writeAuthFile(path: string, entries: Iterable<AuthFileEntry>): Promise<void> {
  await replaceAuthFile(path, authFileText(entries));
}

/** Puts `text` (authFileText's) in place of the file. */
export async function replaceAuthFile(path: string, text: string): Promise<void> {
  const draft = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const file = await open(draft, 'wx', 0o600);
  try {
    try {
      await file.writeFile(text);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(draft, path);
  } catch (error) {
    await rm(draft, { force: true });
    throw error;
  }
  // the rename itself survives a crash once the directory is flushed
  const directory = await open(dirname(path), 'r');
  try {
    await directory.sync();
  } finally {
    await directory.close();
  }
}

export async function readAuthFile(path: string): Promise<AuthFileEntry[]> {
  return parseAuthFile(await readFile(path, 'utf8'), path);
}
