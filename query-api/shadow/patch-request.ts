/**
 * What a `PATCH /v1/devices/<tenant>/<site>/<device>/shadow` asks: the body
 * `{"state": {"desired": {...}}}` (desired only: reported is the device's
 * to say) and the version `If-Match: "<version>"` names (the ETag of GET).
 * The shadow processor checks the rest (depth, size, keys) and answers with
 * the same codes for the API as for devices. Pure.
 */
import { FleetstreamError } from '../../lib/errors';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isObject(value: unknown): value is Record<string, Json> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const shape = 'the body is {"state": {"desired": {...}}} (null for desired clears it; a key set to null is deleted)';

/** The desired patch of the body; SHADOW_INVALID naming what is wrong. */
export function desiredPatch(body: unknown): Record<string, Json> | null {
  if (!isObject(body)) throw new FleetstreamError('SHADOW_INVALID', `${shape}; send it with Content-Type: application/json`);
  const extra = Object.keys(body).filter((key) => key !== 'state');
  if (extra.length > 0) throw new FleetstreamError('SHADOW_INVALID', `${shape}, not ${extra.map((k) => JSON.stringify(k)).join(', ')}; the version goes in If-Match`);
  const { state } = body;
  if (!isObject(state) || !('desired' in state)) throw new FleetstreamError('SHADOW_INVALID', shape);
  const others = Object.keys(state).filter((key) => key !== 'desired');
  if (others.length > 0) throw new FleetstreamError('SHADOW_INVALID', `the API sets "desired" only (reported is what the device says), not ${others.map((k) => JSON.stringify(k)).join(', ')}`);
  const { desired } = state;
  if (desired !== null && !isObject(desired)) throw new FleetstreamError('SHADOW_INVALID', `"state.desired" must be an object, or null to clear it`);
  return desired;
}

/** The version an If-Match header names, undefined without one; SHADOW_INVALID for anything but one ETag `"<version>"`. */
export function ifMatchVersion(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  const match = /^\s*"(\d{1,15})"\s*$/.exec(header);
  if (!match) throw new FleetstreamError('SHADOW_INVALID', `If-Match takes the ETag GET gave, such as "7" (with the quotes), one version only; got ${JSON.stringify(header)}`);
  return Number(match[1]);
}

/** The ETag of a shadow at `version`. */
export function etagOf(version: number): string {
  return `"${version}"`;
}
