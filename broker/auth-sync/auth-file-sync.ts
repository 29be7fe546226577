/**
 * One pass of the sync: the service accounts file and the registry's active
 * devices made into the auth file, written only when it differs from what the
 * file holds (every write makes the broker load the whole file again). The
 * comparison is with the file as it is now, not as this process last wrote it,
 * so a pass also repairs a file something else replaced or removed (the local
 * stack's `make up` puts the service accounts alone in place of a missing file).
 */
import { readFile } from 'node:fs/promises';
import type { Registry } from '../../registry';
import { authFileText } from '../auth-file';
import { readAuthFile, replaceAuthFile } from '../auth-file-io';
import { replaceFile } from '../../lib/replace-file';
import { listRepublishReaderCredentials } from '../../registry';
import { authFileFromRegistry, rulesFileText } from '../registry-auth-file';

export interface AuthFileSyncPass {
  /** accounts in the file, services included */
  accounts: number;
  written: boolean;
}

/**
 * `rules`: the plugin's rules file to keep equal to the service rules file
 * plus each republish reader's rules (written before the auth file, so a new
 * reader has its rights by the time it can log in); unset: the rules file is
 * not this sync's, and readers get in without rights.
 */
export function authFileSync(options: { registry: Registry; authFile: string; serviceAccountsFile: string; rules?: { file: string; serviceRulesFile: string } }): () => Promise<AuthFileSyncPass> {
  return async () => {
    const readers = await listRepublishReaderCredentials(options.registry);
    if (options.rules) {
      const rulesText = rulesFileText(await readFile(options.rules.serviceRulesFile, 'utf8'), readers);
      const currentRules = await readFile(options.rules.file, 'utf8').catch(() => undefined);
      if (rulesText !== currentRules) await replaceFile(options.rules.file, rulesText);
    }
    const entries = await authFileFromRegistry(options.registry, await readAuthFile(options.serviceAccountsFile), readers);
    const text = authFileText(entries);
    const current = await readFile(options.authFile, 'utf8').catch(() => undefined);
    if (text === current) return { accounts: entries.length, written: false };
    await replaceAuthFile(options.authFile, text);
    return { accounts: entries.length, written: true };
  };
}
