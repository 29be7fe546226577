import { z } from 'zod';
import { connectionOptions } from '../lib/config';
import { sqlIdentifier } from '../lib/option-types';

/**
 * Where the registry is: the database and the schema the `0006_registry`
 * migration created its tables in (`fleetstream migrate` migrates
 * TIMESCALE_SINK_SCHEMA). The same variables for every reader of the registry,
 * as DATABASE_URL is: the devices and tokens commands, and the components that
 * follow the registry spread these options into theirs.
 */
export const registryOptions = {
  databaseUrl: connectionOptions.databaseUrl,
  databaseSchema: sqlIdentifier.default('public').meta({ env: 'REGISTRY_DATABASE_SCHEMA', description: 'PostgreSQL schema holding the device registry (the schema `fleetstream migrate` migrated).' }),
};

export const registryOptionsSchema = z.strictObject(registryOptions);

export type RegistryOptions = z.output<typeof registryOptionsSchema>;
