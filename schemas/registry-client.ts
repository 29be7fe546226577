// The client module alone: the package's index also loads every KMS driver (AWS, Azure, GCP), a second of start-up.
import { SchemaRegistryClient, type Client } from '@confluentinc/schemaregistry/dist/schemaregistry-client';

export type { Client as RegistryClient };

/** A client for any registry speaking the Confluent REST API (Confluent, Apicurio's ccompat, Karapace, Redpanda). */
export function createRegistryClient(url: string): Client {
  return new SchemaRegistryClient({ baseURLs: [url], cacheCapacity: 1000, maxRetries: 3, retriesWaitMs: 200, retriesMaxWaitMs: 2000 });
}
