/**
 * Reading and writing the broker plugin's auth file. The plugin follows the
 * file by its inode, size and times, so a write replaces it whole: a temporary
 * file beside it, flushed to disk, renamed over it. The broker never reads half
 * a file, and a crash leaves the old file or the new one.
 */
import { readFile } from 'node:fs/promises';
import { replaceFile } from '../lib/replace-file';
import { authFileText, parseAuthFile, type AuthFileEntry } from './auth-file';

export async function writeAuthFile(path: string, entries: Iterable<AuthFileEntry>): Promise<void> {
  await replaceAuthFile(path, authFileText(entries));
}

/** Puts `text` (authFileText's) in place of the file, whole (the plugin follows it by inode, size and times). */
export async function replaceAuthFile(path: string, text: string): Promise<void> {
  await replaceFile(path, text);
}

export async function readAuthFile(path: string): Promise<AuthFileEntry[]> {
  return parseAuthFile(await readFile(path, 'utf8'), path);
}
