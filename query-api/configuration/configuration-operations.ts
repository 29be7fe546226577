/**
 * The configuration API's operations, each authorizing its caller as the
 * admin API does (query-api/admin/caller.ts): writes need an admin token of
 * the tenant, reads a token of the tenant, a platform admin token does all.
 * The caller's token id is recorded as who created a thing.
 */
import { FleetstreamError } from '../../lib/errors';
import { checkedName, type DeviceAddress } from '../../registry';
import { authorize, type Caller } from '../admin/caller';
import type { AssignmentRecord, AssignmentTarget, ConfigurationStore, DeviceConfigurationView, DeviceTypeRecord, DocumentRecord, RolloutProgress } from './configuration-store';

/** The target of an assignment as a request gives it: exactly one of `device` (`<site>/<device>`), `site` and `tags`; `site` may narrow `tags`. */
export interface TargetInput {
  device?: string;
  site?: string;
  tags?: Record<string, string>;
}

export interface AssignmentInput extends TargetInput {
  /** ISO 8601 date-time. */
  deadline: string;
}

export const documentListLimits = { default: 100, max: 1000 };

export interface ConfigurationOperations {
  putDeviceType(caller: Caller, tenant: string, deviceType: string, schema: unknown): Promise<{ record: DeviceTypeRecord; created: boolean }>;
  getDeviceType(caller: Caller, tenant: string, deviceType: string): Promise<DeviceTypeRecord>;
  createDocument(caller: Caller, tenant: string, document: { deviceType: string; config: unknown; description?: string }): Promise<DocumentRecord>;
  listDocuments(caller: Caller, tenant: string, filter: { deviceType?: string; limit?: number; offset?: number }): Promise<DocumentRecord[]>;
  getDocument(caller: Caller, tenant: string, version: number): Promise<DocumentRecord>;
  assign(caller: Caller, tenant: string, version: number, input: AssignmentInput): Promise<AssignmentRecord>;
  rollback(caller: Caller, tenant: string, version: number, input: AssignmentInput & { description?: string }): Promise<{ document: DocumentRecord; assignment: AssignmentRecord }>;
  deviceConfiguration(caller: Caller, device: DeviceAddress): Promise<DeviceConfigurationView>;
  progress(caller: Caller, tenant: string, version: number): Promise<RolloutProgress>;
}

/** The store's target of a request's, or REGISTRY_INPUT_INVALID saying what to give. */
export function parseTarget(input: TargetInput): AssignmentTarget {
  const given = (['device', 'site', 'tags'] as const).filter((k) => input[k] !== undefined);
  const problem = 'give exactly one target: "device": "<site>/<device>", "site": "<site>", or "tags": {"k": "v"} (with "site" to narrow it)';
  if (input.device !== undefined) {
    if (given.length !== 1) throw new FleetstreamError('REGISTRY_INPUT_INVALID', problem);
    const parts = input.device.split('/');
    if (parts.length !== 2) throw new FleetstreamError('REGISTRY_INPUT_INVALID', `device "${input.device}" is not <site>/<device> (the tenant is in the path)`);
    return { device: { site: checkedName('site', parts[0]!), device: checkedName('device', parts[1]!) } };
  }
  if (input.tags !== undefined) {
    const tags = input.tags;
    if (Object.keys(tags).length === 0 || Object.entries(tags).some(([k, v]) => k.trim() === '' || typeof v !== 'string')) {
      throw new FleetstreamError('REGISTRY_INPUT_INVALID', 'a tag selector is an object of at least one non-empty key, each with a string value');
    }
    return input.site === undefined ? { tags } : { tags, site: checkedName('site', input.site) };
  }
  if (input.site !== undefined) return { site: checkedName('site', input.site) };
  throw new FleetstreamError('REGISTRY_INPUT_INVALID', problem);
}

function deadlineOf(text: string): Date {
  const deadline = new Date(text);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(text) || Number.isNaN(deadline.getTime())) throw new FleetstreamError('REGISTRY_INPUT_INVALID', `deadline "${text}" is not an ISO 8601 date-time such as 2030-01-31T12:00:00Z`);
  return deadline;
}

export function configurationOperations(store: ConfigurationStore): ConfigurationOperations {
  const writing = (caller: Caller, tenant: string) => {
    authorize(caller, 'admin', checkedName('tenant', tenant));
    return caller.tokenId;
  };
  const reading = (caller: Caller, tenant: string) => authorize(caller, 'read', checkedName('tenant', tenant));
  return {
    putDeviceType(caller, tenant, deviceType, schema) {
      return store.putDeviceType(tenant, checkedName('device type', deviceType), schema, writing(caller, tenant));
    },
    getDeviceType(caller, tenant, deviceType) {
      reading(caller, tenant);
      return store.getDeviceType(tenant, deviceType);
    },
    createDocument(caller, tenant, document) {
      return store.createDocument(tenant, document, writing(caller, tenant));
    },
    listDocuments(caller, tenant, { deviceType, limit = documentListLimits.default, offset = 0 }) {
      reading(caller, tenant);
      return store.listDocuments(tenant, { deviceType, limit, offset });
    },
    getDocument(caller, tenant, version) {
      reading(caller, tenant);
      return store.getDocument(tenant, version);
    },
    assign(caller, tenant, version, { deadline, ...target }) {
      const by = writing(caller, tenant);
      return store.assign(tenant, version, parseTarget(target), deadlineOf(deadline), by);
    },
    rollback(caller, tenant, version, { deadline, description, ...target }) {
      const by = writing(caller, tenant);
      return store.rollback(tenant, version, parseTarget(target), deadlineOf(deadline), by, description);
    },
    deviceConfiguration(caller, device) {
      reading(caller, device.tenant);
      return store.deviceConfiguration({ tenant: device.tenant, site: checkedName('site', device.site), device: checkedName('device', device.device) });
    },
    progress(caller, tenant, version) {
      reading(caller, tenant);
      return store.progress(tenant, version);
    },
  };
}
