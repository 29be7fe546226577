/**
 * One device's shadow and what a request does to it, AWS IoT's semantics
 * with their improvements (see the README):
 *
 * - `update` merges `state.desired` and `state.reported` (json-tree.ts);
 *   `get` answers the whole document; `delete` empties it;
 * - every accepted update and delete adds 1 to `version`, whether or not a
 *   value changed (the metadata timestamps did); `get` changes nothing;
 * - a request naming a `version` other than the current one is refused,
 *   409 VersionConflict, and the refusal says the current version;
 * - a deleted shadow keeps its version, and the next update counts on from
 *   it (AWS starts again from 0 after 48 hours), so a version read before a
 *   delete never matches a shadow made after it;
 * - the state after an update must stay within the limits (shadow-limits.ts),
 *   or the update is refused whole.
 *
 * Pure: no I/O.
 */
import { deltaOf, emptyObject, isObject, jsonEqual, keyCount, mergeSection, ownTree, type Json, type JsonObject, type MetadataTree, type Section, type Stamp } from './json-tree';
import { rejection, type ShadowLimits, type ShadowRejection } from './shadow-limits';
import type { ShadowRequestInput } from './shadow-request';

export interface Shadow {
  /** 0 for a shadow never written; a deleted one keeps the version of its delete */
  version: number;
  /** false for a shadow never written, or deleted */
  exists: boolean;
  desired: Section;
  reported: Section;
  /** epoch ms of the last accepted change */
  timestamp: number;
}

/** The shadow as GET answers it, and as fleet.shadows.v1 stores it. */
export interface ShadowDocument {
  state: { desired: JsonObject; reported: JsonObject; delta: JsonObject };
  metadata: { desired: MetadataTree; reported: MetadataTree };
  version: number;
  timestamp: number;
}

const emptySection = (): Section => ({ state: emptyObject(), metadata: emptyObject() });

/** A device with no shadow yet. */
export function absentShadow(): Shadow {
  return { version: 0, exists: false, desired: emptySection(), reported: emptySection(), timestamp: 0 };
}

/** Shadows are never changed in place (a change makes a new one), so each one's delta is computed once. */
const deltas = new WeakMap<Shadow, JsonObject>();

export function deltaOfShadow(shadow: Shadow): JsonObject {
  let delta = deltas.get(shadow);
  if (!delta) {
    delta = deltaOf(shadow.desired.state, shadow.reported.state);
    deltas.set(shadow, delta);
  }
  return delta;
}

export function documentOf(shadow: Shadow): ShadowDocument {
  return {
    state: { desired: shadow.desired.state, reported: shadow.reported.state, delta: deltaOfShadow(shadow) },
    metadata: { desired: shadow.desired.metadata, reported: shadow.reported.metadata },
    version: shadow.version,
    timestamp: shadow.timestamp,
  };
}

/** A shadow from its stored document (documentOf's JSON); throws when the document is not one. */
export function shadowFromDocument(document: unknown, deleted: boolean): Shadow {
  if (!isObject(document) || !isObject(document.state) || !isObject(document.metadata) || typeof document.version !== 'number' || typeof document.timestamp !== 'number') {
    throw new Error('not a shadow document: needs state, metadata, version and timestamp');
  }
  const section = (name: 'desired' | 'reported'): Section => {
    const state = (document.state as JsonObject)[name];
    const metadata = (document.metadata as JsonObject)[name];
    return { state: isObject(state) ? ownTree(state) : emptyObject(), metadata: isObject(metadata) ? (ownTree(metadata) as unknown as MetadataTree) : emptyObject() };
  };
  return { version: document.version, exists: !deleted, desired: section('desired'), reported: section('reported'), timestamp: document.timestamp };
}

export type AppliedRequest =
  /** `response`: the body of `shadow/<op>/accepted`, without the clientToken */
  | { accepted: true; shadow: Shadow; response: JsonObject }
  | { accepted: false; rejection: ShadowRejection };

export function applyShadowRequest(current: Shadow, request: ShadowRequestInput, now: number, limits: ShadowLimits): AppliedRequest {
  if (request.version !== undefined && request.version !== current.version) {
    return { accepted: false, rejection: rejection('VersionConflict', `version ${request.version} is not the current version ${current.version}`) };
  }
  switch (request.operation) {
    case 'get':
      if (!current.exists) return notFound(current);
      return { accepted: true, shadow: current, response: documentOf(current) as unknown as JsonObject };
    case 'delete': {
      if (!current.exists) return notFound(current);
      const shadow: Shadow = { ...absentShadow(), version: current.version + 1, timestamp: now };
      return { accepted: true, shadow, response: { version: shadow.version, timestamp: now } };
    }
    case 'update':
      return update(current, request, now, limits);
  }
}

function notFound(current: Shadow): AppliedRequest {
  const since = current.version > 0 ? ` (deleted at version ${current.version})` : '';
  return { accepted: false, rejection: rejection('NotFound', `the device has no shadow${since}`) };
}

function update(current: Shadow, request: ShadowRequestInput, now: number, limits: ShadowLimits): AppliedRequest {
  const apply = (section: Section, patch: JsonObject | null | undefined): Section => {
    if (patch === undefined) return section;
    return patch === null ? emptySection() : mergeSection(section, patch, now);
  };
  const desired = apply(current.desired, request.desired);
  const reported = apply(current.reported, request.reported);
  const keys = keyCount(desired.state) + keyCount(reported.state);
  if (keys > limits.maxKeys) return { accepted: false, rejection: rejection('TooManyKeys', `the state would hold ${keys} keys; at most ${limits.maxKeys}`) };
  const bytes = Buffer.byteLength(JSON.stringify({ desired: desired.state, reported: reported.state }));
  if (bytes > limits.maxStateBytes) return { accepted: false, rejection: rejection('StateTooLarge', `the state would take ${bytes} bytes; at most ${limits.maxStateBytes}`) };
  const shadow: Shadow = { version: current.version + 1, exists: true, desired, reported, timestamp: now };
  const state = emptyObject<Json>();
  const metadata = emptyObject<Json>();
  for (const name of ['desired', 'reported'] as const) {
    const patch = request[name];
    if (patch === undefined) continue;
    state[name] = patch;
    metadata[name] = patch === null ? null : (stampsOf(patch, now) as unknown as Json);
  }
  return { accepted: true, shadow, response: { state, metadata, version: shadow.version, timestamp: now } };
}

/** The metadata of what a patch set: its tree with every value stamped `now` (the keys it deleted too, as AWS answers). */
function stampsOf(patch: JsonObject, now: number): MetadataTree {
  const stamps = emptyObject<MetadataTree | Stamp>();
  for (const [key, value] of Object.entries(patch)) stamps[key] = isObject(value) ? stampsOf(value, now) : { timestamp: now };
  return stamps;
}

/** Whether the delta a device is told about differs between two shadows. */
export function deltaChanged(before: Shadow, after: Shadow): boolean {
  return !jsonEqual(deltaOfShadow(before), deltaOfShadow(after));
}
