// The client module alone: the package's index also loads every KMS driver (AWS, Azure, GCP), a second of start-up.
import { SchemaRegistryClient, type Client } from '@confluentinc/schemaregistry/dist/schemaregistry-client';
import { registrySecurity, type RegistrySecurityOptions } from '../lib/registry-security';

export type { Client as RegistryClient };

/** A registry's URL with its basic-auth credentials and CA (lib/registry-security.ts), as components hold them. */
export type RegistryConnection = { schemaRegistryUrl: string } & RegistrySecurityOptions;

/**
 * A client for any registry speaking the Confluent REST API (Confluent,
 * Apicurio's ccompat, Karapace, Redpanda), from a bare URL or a connection
 * with credentials.
 */
export function createRegistryClient(connection: string | RegistryConnection): Client {
  const { schemaRegistryUrl, ...security } = typeof connection === 'string' ? { schemaRegistryUrl: connection } : connection;
  return new SchemaRegistryClient({ baseURLs: [schemaRegistryUrl], cacheCapacity: 1000, maxRetries: 3, retriesWaitMs: 200, retriesMaxWaitMs: 2000, ...registrySecurity(security) });
}
