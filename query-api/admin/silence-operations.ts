/**
 * Silences of the notifications through the admin API, authorized for the
 * caller (caller.ts), in the table `fleetstream silences` writes
 * (schemas/silence-store.ts). Times are ISO 8601 in and out.
 */
import { FleetstreamError } from '../../lib/errors';
import type { Registry } from '../../registry';
import { SilenceStore, type Silence } from '../../schemas/silence-store';
import { authorize, type Caller } from './caller';

export interface SilenceView {
  id: string;
  tenant: string;
  matchers: string[];
  startsAt: string;
  endsAt: string;
  createdBy: string;
  comment: string;
}

export interface SilenceInput {
  matchers: string[];
  startsAt?: string;
  endsAt: string;
  /** default: the id of the caller's token */
  createdBy?: string;
  comment?: string;
}

export interface SilenceOperations {
  /** SILENCE_INVALID naming the problem. */
  add(caller: Caller, tenant: string, input: SilenceInput): Promise<SilenceView>;
  list(caller: Caller, tenant: string, expired: boolean): Promise<SilenceView[]>;
  /** SILENCE_NOT_FOUND when the tenant has no such silence in force. */
  expire(caller: Caller, tenant: string, id: string): Promise<SilenceView>;
}

const view = (s: Silence): SilenceView => ({ ...s, startsAt: new Date(s.startsAt).toISOString(), endsAt: new Date(s.endsAt).toISOString() });

function instant(text: string, field: string): number {
  const at = Date.parse(text);
  if (!Number.isFinite(at)) throw new FleetstreamError('SILENCE_INVALID', `${field} ${JSON.stringify(text)} is no ISO 8601 time (2026-12-03T18:00:00Z)`);
  return at;
}

export function silenceOperations(registry: Registry): SilenceOperations {
  const store = new SilenceStore(registry.pool, registry.schema);
  return {
    async add(caller, tenant, input) {
      authorize(caller, 'admin', tenant);
      const silence = await store.add({
        tenant,
        matchers: input.matchers,
        ...(input.startsAt !== undefined && { startsAt: instant(input.startsAt, 'startsAt') }),
        endsAt: instant(input.endsAt, 'endsAt'),
        createdBy: input.createdBy ?? `token:${caller.tokenId}`,
        comment: input.comment ?? '',
      });
      return view(silence);
    },
    async list(caller, tenant, expired) {
      authorize(caller, 'read', tenant);
      return (await store.list(tenant, expired)).map(view);
    },
    async expire(caller, tenant, id) {
      authorize(caller, 'admin', tenant);
      return view(await store.expire(tenant, id));
    },
  };
}
