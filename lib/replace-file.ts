/**
 * Replacing a file whole: a temporary file beside it (mode `mode`), flushed to
 * disk, renamed over it, and the directory flushed. A reader never sees half
 * a file, and a crash leaves the old file or the new one.
 */
import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export async function replaceFile(path: string, text: string, mode = 0o600): Promise<void> {
  const draft = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const file = await open(draft, 'wx', mode);
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
