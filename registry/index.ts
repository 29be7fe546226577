/**
 * The device registry, shared by the components that read or write it (the
 * CLI, the admin API, the broker sync, the HTTP ingest, the hierarchy job):
 * tenants, sites, devices with their credentials, API tokens and series
 * settings in PostgreSQL, and the notifications that let caches follow it.
 */
export { parseApiToken } from './api-token';
export { createToken, listTokens, revokeToken, showToken, verifyToken, type TokenGrant, type TokenRecord, type TokenRole } from './api-tokens';
export { listenToRegistry, type RegistryChangeListener } from './change-listener';
export { checkDeviceCredentials, listBrokerCredentials, rotateCredentials, verifyDeviceCredentials, type BrokerCredential, type CredentialCheck, type DeviceIdentity } from './credentials';
export { checkedName, deviceName, parseDeviceAddress, type DeviceAddress } from './device-address';
export type { IssuedCredentials } from './device-credentials';
export { parseDeviceLocation, type DeviceLocation } from './device-location';
export type { DeviceRecord, DeviceState } from './device-record';
export { parseDeviceTags, type DeviceTags } from './device-tags';
export { addDevice, listDevices, removeDevice, requireDevice, revokeDevice, setDeviceEnabled, showDevice, updateDevice, type DeviceDetails, type DeviceFilter, type NewDevice } from './devices';
export { hierarchyOf, readHierarchy, type Hierarchy, type HierarchyDevice, type HierarchySite, type HierarchyTenant } from './hierarchy';
export { registryOptions, registryOptionsSchema, type RegistryOptions } from './options';
export { followRegistry, type RegistryFollower } from './registry-follower';
export { registryChannel, type DeviceChange, type RegistryChange, type RegistryNotification } from './registry-change';
export { passwordMatches } from './password-hash';
export { openRegistry, registryOn, type Registry } from './registry-connection';
export { parseRegistryScope, type RegistryScope } from './registry-scope';
export { registryRevision } from './registry-write';
export { createRepublishReader, listRepublishReaderCredentials, listRepublishReaders, revokeRepublishReader, type RepublishReaderCredential, type RepublishReaderRecord } from './republish-readers';
export { listSites, listTenants, showTenant, type SiteRecord, type TenantRecord } from './tenants';
export { getSeriesSetting, listSeriesSettings, removeSeriesSetting, setSeriesSetting, type SeriesSetting } from './series-settings';
