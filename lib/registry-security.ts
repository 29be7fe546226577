import { Agent } from 'node:https';
import type { ClientConfig } from '@confluentinc/schemaregistry/dist/rest-service';
import { z } from 'zod';
import { SecurityOptionsReader, type ReadFile } from './security-options-reader';

/**
 * How fleetstream's schema registry client authenticates (HTTP basic, as
 * Confluent's registry and Karapace take it, or a proxy in front of Apicurio)
 * and checks an https:// registry. Components spread these beside
 * `schemaRegistryUrl`; `registrySecurity` turns them into the client's config.
 */
export const registrySecurityOptions = {
  schemaRegistryUsername: z.string().min(1).optional().meta({ env: 'SCHEMA_REGISTRY_USERNAME', description: 'HTTP basic-auth username of the schema registry (with SCHEMA_REGISTRY_PASSWORD). Default: none.' }),
  schemaRegistryPassword: z.string().min(1).optional().meta({ env: 'SCHEMA_REGISTRY_PASSWORD', description: 'HTTP basic-auth password of the schema registry.', secret: true }),
  schemaRegistryCaFile: z.string().min(1).optional().meta({ env: 'SCHEMA_REGISTRY_CA_FILE', description: "PEM file of the CA certificates that signed an https:// registry's certificate. Default: the system's CAs." }),
};

export type RegistrySecurityOptions = { [K in keyof typeof registrySecurityOptions]?: z.output<(typeof registrySecurityOptions)[K]> };

export type RegistrySecurity = Pick<ClientConfig, 'basicAuthCredentials' | 'createAxiosDefaults'>;

/** The registry client's basic-auth credentials and https agent; throws CONFIG_INVALID naming every variable that is wrong. */
export function registrySecurity(options: RegistrySecurityOptions, read?: ReadFile): RegistrySecurity {
  const reader = new SecurityOptionsReader(registrySecurityOptions, 'schema registry', read);
  const v = (key: keyof typeof registrySecurityOptions) => reader.variable(key);
  const { schemaRegistryUsername: username, schemaRegistryPassword: password } = options;
  reader.require((username === undefined) !== (password === undefined), `${v('schemaRegistryUsername')} and ${v('schemaRegistryPassword')} go together: set both or neither`);
  reader.require(username?.includes(':') === true, `${v('schemaRegistryUsername')}: HTTP basic auth cannot carry a username with ':'`);
  const ca = reader.file('schemaRegistryCaFile', options.schemaRegistryCaFile);
  reader.done();
  return {
    ...(username !== undefined && password !== undefined && { basicAuthCredentials: { credentialsSource: 'USER_INFO' as const, userInfo: `${username}:${password}` } }),
    ...(ca && { createAxiosDefaults: { httpsAgent: new Agent({ ca }) } }),
  };
}
