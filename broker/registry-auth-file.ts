/**
 * The auth file the registry calls for: the platform's service accounts and
 * every active device with the broker hash of its current password. A revoked,
 * disabled or removed device is not in it, so the plugin disconnects it at the
 * next load; a rotated one is there with its new hash.
 */
import { listBrokerCredentials, type Registry } from '../registry';
import type { AuthFileEntry } from './auth-file';

export async function authFileFromRegistry(registry: Registry, serviceAccounts: AuthFileEntry[]): Promise<AuthFileEntry[]> {
  const devices = await listBrokerCredentials(registry);
  return [...serviceAccounts, ...devices.map(({ username, brokerPasswordHash }) => ({ username, passwordHash: brokerPasswordHash }))];
}
