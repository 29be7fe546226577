/**
 * The GraphQL resolvers: each calls the operation the REST route calls
 * (admin-operations.ts), with the caller the authentication hook set, so
 * authorization is decided in one place. Registry records are what the
 * resolvers return; the few fields that differ in shape (tags as key-value
 * pairs, counts, linked devices) have resolvers of their own.
 */
import { GraphQLScalarType, Kind } from 'graphql';
import type { IResolvers, MercuriusContext } from 'mercurius';
import type { DeviceAddress, DeviceDetails, DeviceLocation, DeviceRecord, DeviceState, DeviceTags, NewDevice, SiteRecord, TenantRecord, TokenRole } from '../../../registry';
import type { ParameterKind } from '../../../schemas/types';
import type { AdminOperations } from '../admin-operations';
import type { Caller } from '../caller';

declare module 'mercurius' {
  interface MercuriusContext {
    /** set from the request, which the authentication hook authenticated */
    caller: Caller;
  }
}

interface TagPair {
  key: string;
  value: string;
}

interface DeviceChangesArgs extends DeviceAddress {
  tags?: TagPair[] | null;
  location?: DeviceLocation | null;
  parent?: DeviceAddress | null;
}

const dateTime = new GraphQLScalarType({
  name: 'DateTime',
  serialize: (value) => (value instanceof Date ? value.toISOString() : String(value)),
  parseValue: (value) => new Date(String(value)),
  parseLiteral: (ast) => (ast.kind === Kind.STRING ? new Date(ast.value) : null),
});

function tagsOf(pairs: TagPair[]): DeviceTags {
  return Object.fromEntries(pairs.map(({ key, value }) => [key, value]));
}

function addressOf({ tenant, site, device }: DeviceAddress): DeviceAddress {
  return { tenant, site, device };
}

/** What the arguments give of tags, location and parent; a null tags list clears them, as `tags: []` does. */
function changesOf(args: DeviceChangesArgs): NewDevice {
  return {
    ...(args.tags === undefined ? {} : { tags: tagsOf(args.tags ?? []) }),
    ...(args.location === undefined ? {} : { location: args.location && withoutNulls(args.location) }),
    ...(args.parent === undefined ? {} : { parent: args.parent }),
  };
}

/** GraphQL input objects hold null for an omitted nullable field; the registry takes absent ones. */
function withoutNulls(location: DeviceLocation): DeviceLocation {
  return Object.fromEntries(Object.entries(location).filter(([, value]) => value !== null && value !== undefined)) as DeviceLocation;
}

type Context = MercuriusContext;

export function adminResolvers(admin: AdminOperations): IResolvers {
  return {
    DateTime: dateTime,
    Query: {
      tenants: (_: unknown, _args: unknown, { caller }: Context) => admin.tenants.list(caller),
      tenant: (_: unknown, { name }: { name: string }, { caller }: Context) => admin.tenants.show(caller, name),
      sites: (_: unknown, { tenant }: { tenant: string }, { caller }: Context) => admin.tenants.sites(caller, tenant),
      devices: (_: unknown, args: { tenant?: string; site?: string; state?: DeviceState; tags?: TagPair[]; parent?: DeviceAddress; limit: number; offset: number }, { caller }: Context) =>
        admin.devices.list(caller, {
          ...(args.tenant == null ? {} : { tenant: args.tenant }),
          ...(args.site == null ? {} : { site: args.site }),
          ...(args.state == null ? {} : { state: args.state }),
          ...(args.tags == null ? {} : { tags: tagsOf(args.tags) }),
          ...(args.parent == null ? {} : { parent: args.parent }),
          limit: args.limit,
          offset: args.offset,
        }),
      device: (_: unknown, args: DeviceAddress, { caller }: Context) => admin.devices.show(caller, addressOf(args)),
      tokens: (_: unknown, { tenant }: { tenant?: string | null }, { caller }: Context) => admin.tokens.list(caller, tenant ?? undefined),
      seriesSettings: (_: unknown, args: DeviceAddress, { caller }: Context) => admin.seriesSettings.list(caller, addressOf(args)),
      seriesSetting: (_: unknown, args: DeviceAddress & { metric: string }, { caller }: Context) => admin.seriesSettings.get(caller, addressOf(args), args.metric),
      hierarchy: (_: unknown, { tenant, site }: { tenant?: string | null; site?: string | null }, { caller }: Context) =>
        admin.tenants.hierarchy(caller, { ...(tenant == null ? {} : { tenant }), ...(site == null ? {} : { site }) }),
    },
    Mutation: {
      addDevice: (_: unknown, args: DeviceChangesArgs, { caller }: Context) => admin.devices.add(caller, addressOf(args), changesOf(args)),
      updateDevice: (_: unknown, args: DeviceChangesArgs, { caller }: Context) => admin.devices.update(caller, addressOf(args), changesOf(args)),
      setDeviceEnabled: (_: unknown, args: DeviceAddress & { enabled: boolean }, { caller }: Context) => admin.devices.setEnabled(caller, addressOf(args), args.enabled),
      rotateDevice: (_: unknown, args: DeviceAddress, { caller }: Context) => admin.devices.rotate(caller, addressOf(args)),
      revokeDevice: (_: unknown, args: DeviceAddress, { caller }: Context) => admin.devices.revoke(caller, addressOf(args)),
      removeDevice: async (_: unknown, args: DeviceAddress, { caller }: Context) => {
        await admin.devices.remove(caller, addressOf(args));
        return true;
      },
      createToken: (_: unknown, args: { tenant?: string | null; role: TokenRole; description?: string | null }, { caller }: Context) =>
        admin.tokens.create(caller, { tenant: args.tenant ?? null, role: args.role, ...(args.description == null ? {} : { description: args.description }) }),
      revokeToken: (_: unknown, { id }: { id: string }, { caller }: Context) => admin.tokens.revoke(caller, id),
      setSeriesSetting: (_: unknown, args: DeviceAddress & { metric: string; kind: ParameterKind; unit?: string | null }, { caller }: Context) =>
        admin.seriesSettings.set(caller, addressOf(args), args.metric, { kind: args.kind, unit: args.unit ?? null }),
    },
    Tenant: {
      siteCount: (tenant: TenantRecord) => tenant.sites,
      deviceCount: (tenant: TenantRecord) => tenant.devices,
      sites: (tenant: TenantRecord, _args: unknown, { caller }: Context) => admin.tenants.sites(caller, tenant.name),
    },
    Site: {
      deviceCount: (site: SiteRecord) => site.devices,
      devices: (site: SiteRecord, { limit, offset }: { limit: number; offset: number }, { caller }: Context) => admin.devices.list(caller, { tenant: site.tenant, site: site.name, limit, offset }),
    },
    Device: {
      tags: (device: DeviceRecord) => Object.entries(device.tags).map(([key, value]) => ({ key, value })),
      parent: (device: DeviceRecord, _args: unknown, { caller }: Context) => device.parent && admin.devices.show(caller, device.parent),
      children: (device: DeviceRecord, { limit }: { limit: number }, { caller }: Context) => admin.devices.list(caller, { tenant: device.tenant, parent: addressOf(device), limit }),
      credentialsIssuedAt: async (device: DeviceRecord | DeviceDetails, _args: unknown, { caller }: Context) =>
        'credentialsIssuedAt' in device ? device.credentialsIssuedAt : (await admin.devices.show(caller, addressOf(device))).credentialsIssuedAt,
      seriesSettings: (device: DeviceRecord, _args: unknown, { caller }: Context) => admin.seriesSettings.list(caller, addressOf(device)),
    },
  };
}
