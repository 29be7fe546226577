/**
 * One pass of the sync: the service accounts file and the registry's active
 * devices made into the auth file, written only when it differs from what the
 * file holds (every write makes the broker load the whole file again).
 */
import { readFile } from 'node:fs/promises';
import type { Registry } from '../../registry';
import { authFileText } from '../auth-file';
import { readAuthFile, replaceAuthFile } from '../auth-file-io';
import { authFileFromRegistry } from '../registry-auth-file';

export interface AuthFileSyncPass {
  /** accounts in the file, services included */
  accounts: number;
  written: boolean;
}

export function authFileSync(options: { registry: Registry; authFile: string; serviceAccountsFile: string }): () => Promise<AuthFileSyncPass> {
  let current: string | undefined;
  return async () => {
    // what a restarted sync finds in place needs no rewrite either
    current ??= await readFile(options.authFile, 'utf8').catch(() => undefined);
    const entries = await authFileFromRegistry(options.registry, await readAuthFile(options.serviceAccountsFile));
    const text = authFileText(entries);
    if (text === current) return { accounts: entries.length, written: false };
    await replaceAuthFile(options.authFile, text);
    current = text;
    return { accounts: entries.length, written: true };
  };
}
