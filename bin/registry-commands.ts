/**
 * The operators' commands over the device registry: `fleetstream devices
 * add|list|show|rotate|revoke|remove`, `fleetstream tokens
 * create|list|revoke` and `fleetstream republish-readers create|list|revoke`. They read DATABASE_URL and REGISTRY_DATABASE_SCHEMA and
 * need the migrations applied (`fleetstream migrate`), which they never run
 * themselves: creating hypertables and re-applying retention policies is not
 * what listing devices should do. Credentials and tokens are printed once, as
 * JSON; nothing else keeps them.
 */
import type { Command } from 'commander';
import { readComponentOptions } from '../lib/config';
import { FleetstreamError } from '../lib/errors';
import {
  addDevice,
  createRepublishReader,
  createToken,
  deviceName,
  listDevices,
  listRepublishReaders,
  listTokens,
  openRegistry,
  parseDeviceAddress,
  parseDeviceLocation,
  parseDeviceTags,
  parseRegistryScope,
  registryOptionsSchema,
  removeDevice,
  revokeDevice,
  revokeRepublishReader,
  revokeToken,
  rotateCredentials,
  showDevice,
  type DeviceLocation,
  type DeviceRecord,
  type Registry,
  type TokenRecord,
} from '../registry';
import { textTable } from './text-table';

async function withRegistry<T>(work: (registry: Registry) => Promise<T>): Promise<T> {
  const options = readComponentOptions(registryOptionsSchema, { name: 'registry', envPrefix: 'REGISTRY_' }).options;
  const registry = openRegistry({ databaseUrl: options.databaseUrl, databaseSchema: options.databaseSchema, poolSize: 1, applicationName: 'fleetstream-cli' });
  try {
    return await work(registry);
  } finally {
    await registry.close();
  }
}

function printJson(value: unknown): void {
  console.log(JSON.stringify(value, null, 2));
}

function locationText(location: DeviceLocation | null): string {
  if (!location) return '';
  const coordinates = 'latitude' in location ? [location.latitude, location.longitude, ...(location.altitude === undefined ? [] : [location.altitude])].join(',') : '';
  return [coordinates, location.description ?? ''].filter(Boolean).join(' ');
}

function deviceRow(device: DeviceRecord): string[] {
  return [
    device.name,
    device.state,
    device.parent ? deviceName(device.parent) : '',
    Object.entries(device.tags).map(([k, v]) => `${k}=${v}`).join(','),
    locationText(device.location),
    device.createdAt.toISOString(),
  ];
}

const deviceHeaders = ['DEVICE', 'STATE', 'PARENT', 'TAGS', 'LOCATION', 'CREATED'];

function tokenRow(token: TokenRecord): string[] {
  return [token.id, token.tenant ?? '(platform)', token.role, token.createdAt.toISOString(), token.lastUsedAt?.toISOString() ?? '', token.revokedAt?.toISOString() ?? '', token.description ?? ''];
}

interface AddFlags {
  tags?: string;
  location?: string;
  parent?: string;
}

interface TokenFlags {
  tenant?: string;
  role?: string;
  platformAdmin?: boolean;
  description?: string;
}

function tokenGrant(flags: TokenFlags): { tenant: string | null; role: 'read' | 'admin' } {
  if (flags.platformAdmin) {
    if (flags.tenant !== undefined || (flags.role !== undefined && flags.role !== 'admin')) {
      throw new FleetstreamError('REGISTRY_INPUT_INVALID', '--platform-admin is a token for every tenant with admin rights: give it without --tenant and --role');
    }
    return { tenant: null, role: 'admin' };
  }
  if (flags.tenant === undefined) throw new FleetstreamError('REGISTRY_INPUT_INVALID', 'tokens create needs --tenant <tenant> (or --platform-admin)');
  const role = flags.role ?? 'read';
  if (role !== 'read' && role !== 'admin') throw new FleetstreamError('REGISTRY_INPUT_INVALID', `--role ${role}: give read or admin`);
  return { tenant: flags.tenant, role };
}

export function addRegistryCommands(program: Command): void {
  const devices = program.command('devices').description('the device registry: devices and their credentials (DATABASE_URL, REGISTRY_DATABASE_SCHEMA; run `fleetstream migrate` first)');
  devices
    .command('add')
    .argument('<device>', '<tenant>/<site>/<device>; the tenant and site are created when missing')
    .option('--tags <pairs>', 'metadata, key=value,...')
    .option('--location <where>', '<latitude>,<longitude>[,<altitude>] in degrees and metres, or a description')
    .option('--parent <device>', 'the gateway it reaches the platform through, <tenant>/<site>/<device> of the same tenant')
    .description('add a device; prints its credentials once, as JSON (username, password)')
    .action((name: string, flags: AddFlags) => {
      const address = parseDeviceAddress(name);
      const device = {
        tags: flags.tags === undefined ? undefined : parseDeviceTags(flags.tags),
        location: flags.location === undefined ? undefined : parseDeviceLocation(flags.location),
        parent: flags.parent === undefined ? undefined : parseDeviceAddress(flags.parent),
      };
      return withRegistry(async (registry) => printJson((await addDevice(registry, address, device)).credentials));
    });
  devices
    .command('list')
    .argument('[scope]', '<tenant> or <tenant>/<site>; default every device')
    .option('--json', 'print JSON instead of a table')
    .description('list devices')
    .action((scope: string | undefined, flags: { json?: boolean }) => {
      const filter = scope === undefined ? undefined : parseRegistryScope(scope);
      return withRegistry(async (registry) => {
        const list = await listDevices(registry, filter);
        if (flags.json) printJson(list);
        else process.stdout.write(textTable(deviceHeaders, list.map(deviceRow)));
      });
    });
  devices
    .command('show')
    .argument('<device>', '<tenant>/<site>/<device>')
    .option('--json', 'print JSON')
    .description("a device's metadata, state, parent and children")
    .action((name: string, flags: { json?: boolean }) => {
      const address = parseDeviceAddress(name);
      return withRegistry(async (registry) => {
        const device = await showDevice(registry, address);
        if (flags.json) return printJson(device);
        const [, state, parent, tags, location, created] = deviceRow(device);
        const lines = [['device', device.name], ['username', device.name], ['state', state], ['parent', parent], ['children', device.children.map(deviceName).join(',')], ['tags', tags], ['location', location], ['created', created], ['updated', device.updatedAt.toISOString()], ['password issued', device.credentialsIssuedAt?.toISOString() ?? '(none: revoked)']];
        process.stdout.write(lines.map(([key, value]) => `${`${key}:`.padEnd(17)}${value}`).join('\n') + '\n');
      });
    });
  devices
    .command('rotate')
    .argument('<device>', '<tenant>/<site>/<device>')
    .description('issue new credentials, printed once as JSON; the old password stops working at once')
    .action((name: string) => {
      const address = parseDeviceAddress(name);
      return withRegistry(async (registry) => printJson(await rotateCredentials(registry, address)));
    });
  devices
    .command('revoke')
    .argument('<device>', '<tenant>/<site>/<device>')
    .description('revoke a device and its credentials for good, at once')
    .action((name: string) => {
      const address = parseDeviceAddress(name);
      return withRegistry(async (registry) => {
        await revokeDevice(registry, address);
        console.log(`devices: revoked ${deviceName(address)}`);
      });
    });
  devices
    .command('remove')
    .argument('<device>', '<tenant>/<site>/<device>')
    .description('remove a device and its credentials (its children stay, without a parent)')
    .action((name: string) => {
      const address = parseDeviceAddress(name);
      return withRegistry(async (registry) => {
        await removeDevice(registry, address);
        console.log(`devices: removed ${deviceName(address)}`);
      });
    });

  const tokens = program.command('tokens').description('API tokens of the registry (DATABASE_URL, REGISTRY_DATABASE_SCHEMA; run `fleetstream migrate` first)');
  tokens
    .command('create')
    .option('--tenant <tenant>', 'the tenant the token is for (created when missing)')
    .option('--role <role>', 'read or admin (default read)')
    .option('--platform-admin', 'a token with admin rights over every tenant')
    .option('--description <text>', 'what the token is for')
    .description('create a token; prints it once, as JSON (id, token, tenant, role)')
    .action((flags: TokenFlags) => {
      const grant = tokenGrant(flags);
      return withRegistry(async (registry) => {
        const { token, record } = await createToken(registry, { ...grant, description: flags.description });
        printJson({ id: record.id, token, tenant: record.tenant, role: record.role });
      });
    });
  tokens
    .command('list')
    .option('--tenant <tenant>', "only this tenant's tokens")
    .option('--json', 'print JSON instead of a table')
    .description('list tokens (never their secrets), revoked ones too')
    .action((flags: { tenant?: string; json?: boolean }) =>
      withRegistry(async (registry) => {
        const list = await listTokens(registry, { tenant: flags.tenant });
        if (flags.json) printJson(list);
        else process.stdout.write(textTable(['ID', 'TENANT', 'ROLE', 'CREATED', 'LAST USED', 'REVOKED', 'DESCRIPTION'], list.map(tokenRow)));
      }),
    );
  tokens
    .command('revoke')
    .argument('<id>', 'the token id (`tokens list`, or the 16 hex digits after fst_)')
    .description('revoke a token, at once')
    .action((id: string) =>
      withRegistry(async (registry) => {
        await revokeToken(registry, id);
        console.log(`tokens: revoked ${id}`);
      }),
    );

  const readers = program
    .command('republish-readers')
    .description("read-only broker accounts on a tenant's MQTT republished topics, fleet-out/<tenant>/# (DATABASE_URL, REGISTRY_DATABASE_SCHEMA; broker-auth-sync puts them on the broker)");
  readers
    .command('create')
    .argument('<tenant>', 'the tenant whose republished topics it reads (created when missing)')
    .option('--description <text>', 'what the reader is for (an HMI, a site gateway)')
    .description('create a reader; prints its credentials once, as JSON (username, password, tenant, topicFilter)')
    .action((tenant: string, flags: { description?: string }) =>
      withRegistry(async (registry) => {
        const { username, password, record } = await createRepublishReader(registry, { tenant, description: flags.description });
        printJson({ username, password, tenant: record.tenant, topicFilter: record.topicFilter });
      }),
    );
  readers
    .command('list')
    .option('--tenant <tenant>', "only this tenant's readers")
    .option('--json', 'print JSON instead of a table')
    .description('list readers (never their passwords), revoked ones too')
    .action((flags: { tenant?: string; json?: boolean }) =>
      withRegistry(async (registry) => {
        const list = await listRepublishReaders(registry, { tenant: flags.tenant });
        if (flags.json) printJson(list);
        else process.stdout.write(textTable(['USERNAME', 'TENANT', 'TOPICS', 'CREATED', 'REVOKED', 'DESCRIPTION'], list.map((r) => [r.username, r.tenant, r.topicFilter, r.createdAt.toISOString(), r.revokedAt?.toISOString() ?? '', r.description ?? ''])));
      }),
    );
  readers
    .command('revoke')
    .argument('<username>', 'the reader (`republish-readers list`)')
    .description('revoke a reader, at once (the broker disconnects it within seconds)')
    .action((username: string) =>
      withRegistry(async (registry) => {
        await revokeRepublishReader(registry, username);
        console.log(`republish-readers: revoked ${username}`);
      }),
    );
}
