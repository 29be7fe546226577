/**
 * Follows the registry's changes: a connection of its own that LISTENs on
 * `fleetstream_registry` and hands over the notifications of one schema. A
 * follower reloads what a notification names; notifications sent while the
 * connection was down are lost, so on `onError` it reconnects and reloads
 * everything (or polls `registryRevision`).
 */
import { Client } from 'pg';
import { parseNotification, registryChannel, type RegistryNotification } from './registry-change';
import { registryError } from './registry-connection';

export interface RegistryChangeListener {
  close(): Promise<void>;
}

export async function listenToRegistry(
  options: { databaseUrl: string; databaseSchema: string },
  onChange: (notification: RegistryNotification) => void,
  onError: (error: Error) => void = () => undefined,
): Promise<RegistryChangeListener> {
  const client = new Client({ connectionString: options.databaseUrl, application_name: 'fleetstream-registry-listener' });
  client.on('error', onError);
  client.on('notification', (message) => {
    if (message.channel !== registryChannel) return;
    const notification = parseNotification(message.payload);
    if (notification?.schema === options.databaseSchema) onChange(notification);
  });
  try {
    await client.connect();
    await client.query(`listen ${registryChannel}`);
  } catch (error) {
    await client.end().catch(() => undefined);
    throw registryError(error, options.databaseSchema, 'listening to registry changes');
  }
  return { close: () => client.end() };
}
