/**
 * Where archive files go. A file appears under its final key only whole: a
 * directory gets it under a partial name and renames it (atomic within one
 * file system), S3 completes its multipart upload (an object is visible only
 * once its upload completed), so a run killed midway leaves no file under a
 * final name that is not whole.
 */
import { createWriteStream } from 'node:fs';
import { access, constants, mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { FleetstreamError } from '../../lib/errors';
import { isPartialName, partialKey } from './archive-layout';

export interface ArchiveDestination {
  /** The destination as `--to` named it, for logs and the archived-days table. */
  readonly url: string;
  /** Fails with ARCHIVE_DESTINATION_UNAVAILABLE, naming the option to fix, when nothing can be written there. */
  check(): Promise<void>;
  /** Writes `body` whole under `key` (relative to the destination), replacing what was there. */
  write(key: string, body: Readable): Promise<void>;
  /** The text at `key`, or undefined when there is none. */
  read(key: string): Promise<string | undefined>;
  /** Removes what a killed run left half written in a folder. */
  removePartials(folder: string): Promise<void>;
  close(): void;
}

export function unavailable(message: string, cause?: unknown): FleetstreamError {
  return new FleetstreamError('ARCHIVE_DESTINATION_UNAVAILABLE', message, { cause });
}

export class DirectoryDestination implements ArchiveDestination {
  private readonly root: string;

  constructor(readonly url: string, private readonly runId: string) {
    this.root = fileURLToPath(url);
  }

  async check(): Promise<void> {
    try {
      await access(this.root, constants.W_OK);
    } catch (error) {
      throw unavailable(`cannot write to the directory ${this.root}: ${(error as Error).message} (check --to: an existing directory this user may write)`, error);
    }
  }

  async write(key: string, body: Readable): Promise<void> {
    const path = join(this.root, key);
    const partial = join(this.root, partialKey(key, this.runId));
    await mkdir(dirname(path), { recursive: true });
    await pipeline(body, createWriteStream(partial));
    // the bytes on disk before the name: a crash after the rename never finds a short file under it
    const handle = await open(partial, 'r');
    await handle.sync().finally(() => handle.close());
    await rename(partial, path);
  }

  async read(key: string): Promise<string | undefined> {
    return readFile(join(this.root, key), 'utf8').catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? undefined : Promise.reject(error)));
  }

  async removePartials(folder: string): Promise<void> {
    const names = await readdir(join(this.root, folder)).catch(() => [] as string[]);
    await Promise.all(names.filter(isPartialName).map((name) => rm(join(this.root, folder, name), { force: true })));
  }

  close(): void {}
}
