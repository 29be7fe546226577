/**
 * The auth file the registry calls for: the platform's service accounts,
 * every active device with the broker hash of its current password, and the
 * active republish readers (registry/republish-readers.ts). A revoked,
 * disabled or removed device is not in it, so the plugin disconnects it at the
 * next load; a rotated one is there with its new hash.
 */
import { listBrokerCredentials, listRepublishReaderCredentials, type Registry, type RepublishReaderCredential } from '../registry';
import { accessRulesText, republishReaderRules } from './access-rules';
import type { AuthFileEntry } from './auth-file';

export async function authFileFromRegistry(registry: Registry, serviceAccounts: AuthFileEntry[], readers?: RepublishReaderCredential[]): Promise<AuthFileEntry[]> {
  const devices = await listBrokerCredentials(registry);
  const accounts = [...devices, ...(readers ?? (await listRepublishReaderCredentials(registry)))];
  return [...serviceAccounts, ...accounts.map(({ username, brokerPasswordHash }) => ({ username, passwordHash: brokerPasswordHash }))];
}

/** The rules file the registry calls for: the service accounts' rules as they are (`serviceRules`, a rules file's text), then each reader's. */
export function rulesFileText(serviceRules: string, readers: RepublishReaderCredential[]): string {
  const base = serviceRules.endsWith('\n') || serviceRules === '' ? serviceRules : `${serviceRules}\n`;
  return base + accessRulesText(readers.flatMap((reader) => republishReaderRules(reader.username, reader.tenant)));
}
