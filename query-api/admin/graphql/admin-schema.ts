/**
 * The admin API as GraphQL: the same operations as the REST routes under
 * /v1/admin (admin-operations.ts), in SDL. A device links to its parent, its
 * children and its series settings, so queries can walk the gateway tree:
 * the depth and cost limits (query-limits.ts) bound how far.
 */
/** GraphQL lists of devices hold this many unless `limit` says otherwise: the cost limit counts a list at its limit. */
const graphqlDeviceLimit = 100;

export const adminSchema = /* GraphQL */ `
  "An ISO 8601 time in UTC"
  scalar DateTime

  enum DeviceState { active disabled revoked }
  enum TokenRole { read admin }
  "How a series rolls up: energy (increasing counter), additive, non_additive (gauge)"
  enum SeriesKind { energy additive non_additive }

  type Tag { key: String! value: String! }
  input TagInput { key: String! value: String! }

  "Coordinates (WGS 84 degrees, altitude in metres), a description, or both"
  type Location { latitude: Float longitude: Float altitude: Float description: String }
  input LocationInput { latitude: Float longitude: Float altitude: Float description: String }

  input DeviceAddressInput { tenant: String! site: String! device: String! }

  type Tenant {
    name: String!
    createdAt: DateTime!
    siteCount: Int!
    deviceCount: Int!
    sites: [Site!]!
  }

  type Site {
    tenant: String!
    name: String!
    createdAt: DateTime!
    deviceCount: Int!
    devices(limit: Int = ${graphqlDeviceLimit}, offset: Int = 0): [Device!]!
  }

  type Device {
    tenant: String!
    site: String!
    device: String!
    "<tenant>/<site>/<device>, also its MQTT username"
    name: String!
    tags: [Tag!]!
    location: Location
    state: DeviceState!
    createdAt: DateTime!
    updatedAt: DateTime!
    revision: Int!
    "The gateway this device is behind"
    parent: Device
    children(limit: Int = ${graphqlDeviceLimit}): [Device!]!
    "When its current password was issued; null once revoked"
    credentialsIssuedAt: DateTime
    seriesSettings: [SeriesSetting!]!
  }

  "Shown once: the registry keeps only hashes"
  type Credentials { device: String! username: String! password: String! }
  type AddedDevice { device: Device! credentials: Credentials! }

  type Token {
    id: String!
    "null: a platform admin token"
    tenant: String
    role: TokenRole!
    description: String
    createdAt: DateTime!
    lastUsedAt: DateTime
    revokedAt: DateTime
  }
  "The token is shown once: the registry keeps its SHA-256"
  type CreatedToken { token: String! record: Token! }

  type SeriesSetting {
    path: String!
    tenant: String!
    site: String!
    device: String!
    metric: String!
    kind: SeriesKind!
    unit: String
    updatedAt: DateTime!
    revision: Int!
  }

  type HierarchySite { name: String! devices: [Device!]! }
  type HierarchyTenant { name: String! sites: [HierarchySite!]! }
  "The registry's tree as of one revision"
  type Hierarchy { revision: Int! tenants: [HierarchyTenant!]! }

  type Query {
    "Every tenant for a platform admin; a tenant's token sees its own"
    tenants: [Tenant!]!
    tenant(name: String!): Tenant!
    sites(tenant: String!): [Site!]!
    devices(tenant: String, site: String, state: DeviceState, tags: [TagInput!], parent: DeviceAddressInput, limit: Int = ${graphqlDeviceLimit}, offset: Int = 0): [Device!]!
    device(tenant: String!, site: String!, device: String!): Device!
    "Needs an admin token"
    tokens(tenant: String): [Token!]!
    seriesSettings(tenant: String!, site: String!, device: String!): [SeriesSetting!]!
    seriesSetting(tenant: String!, site: String!, device: String!, metric: String!): SeriesSetting!
    hierarchy(tenant: String, site: String): Hierarchy!
  }

  type Mutation {
    "Creates the tenant and site when missing; the credentials are shown once"
    addDevice(tenant: String!, site: String!, device: String!, tags: [TagInput!], location: LocationInput, parent: DeviceAddressInput): AddedDevice!
    "Tags are replaced whole; null clears location or parent"
    updateDevice(tenant: String!, site: String!, device: String!, tags: [TagInput!], location: LocationInput, parent: DeviceAddressInput): Device!
    setDeviceEnabled(tenant: String!, site: String!, device: String!, enabled: Boolean!): Device!
    "The old password fails at once; the new credentials are shown once"
    rotateDevice(tenant: String!, site: String!, device: String!): Credentials!
    revokeDevice(tenant: String!, site: String!, device: String!): Device!
    removeDevice(tenant: String!, site: String!, device: String!): Boolean!
    "tenant null: a platform admin token (takes a platform admin)"
    createToken(tenant: String, role: TokenRole!, description: String): CreatedToken!
    revokeToken(id: String!): Token!
    setSeriesSetting(tenant: String!, site: String!, device: String!, metric: String!, kind: SeriesKind!, unit: String): SeriesSetting!
  }
`;
