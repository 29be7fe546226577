/**
 * The JSON trees a shadow is made of, and what the shadow does with them:
 * merging a patch into a section (desired or reported), the delta between
 * desired and reported, and the metadata tree that mirrors a section. Pure:
 * no I/O. Every function returns new objects and leaves its inputs alone, so
 * a shadow taken before a change is still whole when the change is thrown
 * away (a transaction that failed).
 *
 * Invariants:
 * - a patch merges objects key by key; `null` deletes the key; any other value
 *   (an array included: arrays are values, replaced whole) replaces it;
 * - an object left with no keys is removed, so a section never holds `{}`;
 * - the metadata of a section has exactly the section's keys: an object for
 *   an object, `{timestamp}` (epoch ms of the change) for any other value;
 * - the delta holds the desired keys whose value differs from the reported
 *   one, recursively through objects present on both sides.
 *
 * Objects are built without a prototype: a key named `__proto__` is a key
 * like any other, not a way to reach Object.prototype.
 */

export type Json = null | boolean | number | string | Json[] | JsonObject;
export interface JsonObject {
  [key: string]: Json;
}

/** When a value was last set (epoch ms). */
export interface Stamp {
  timestamp: number;
}
/** Mirrors a section: an object for an object, a stamp for any other value. */
export interface MetadataTree {
  [key: string]: MetadataTree | Stamp;
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function emptyObject<T>(): { [key: string]: T } {
  return Object.create(null) as { [key: string]: T };
}

/** Structural equality of JSON values (key order does not matter; array order does). */
export function jsonEqual(a: Json | undefined, b: Json | undefined): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((item, i) => jsonEqual(item, b[i]));
  if (!isObject(a) || !isObject(b)) return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((key) => Object.hasOwn(b, key) && jsonEqual(a[key], b[key]));
}

/** A plain copy of a tree with null-prototype objects (for trees that came from JSON.parse). */
export function ownTree<T extends Json>(value: T): T {
  if (Array.isArray(value)) return value.map((item) => ownTree(item)) as T;
  if (!isObject(value)) return value;
  const copy = emptyObject<Json>();
  for (const [key, item] of Object.entries(value)) copy[key] = ownTree(item);
  return copy as T;
}

function isStamp(value: MetadataTree | Stamp | undefined): value is Stamp {
  return value !== undefined && typeof (value as Stamp).timestamp === 'number' && Object.keys(value).length === 1;
}

export interface Section {
  state: JsonObject;
  metadata: MetadataTree;
}

/** `patch` merged into `section`, values it sets stamped `now`. */
export function mergeSection(section: Section, patch: JsonObject, now: number): Section {
  const state = emptyObject<Json>();
  const metadata = emptyObject<MetadataTree | Stamp>();
  Object.assign(state, section.state);
  Object.assign(metadata, section.metadata);
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) {
      delete state[key];
      delete metadata[key];
    } else if (isObject(value)) {
      const current = state[key];
      const currentMetadata = metadata[key];
      const merged = mergeSection(
        { state: isObject(current) ? current : emptyObject(), metadata: isObject(current) && currentMetadata !== undefined && !isStamp(currentMetadata) ? currentMetadata : emptyObject() },
        value,
        now,
      );
      if (Object.keys(merged.state).length === 0) {
        delete state[key];
        delete metadata[key];
      } else {
        state[key] = merged.state;
        metadata[key] = merged.metadata;
      }
    } else {
      state[key] = ownTree(value);
      metadata[key] = { timestamp: now };
    }
  }
  return { state, metadata };
}

/** The desired keys whose value is not the reported one; through objects on both sides, only what differs inside. */
export function deltaOf(desired: JsonObject, reported: JsonObject): JsonObject {
  const delta = emptyObject<Json>();
  for (const [key, want] of Object.entries(desired)) {
    const have = Object.hasOwn(reported, key) ? reported[key] : undefined;
    if (isObject(want) && isObject(have)) {
      const inner = deltaOf(want, have);
      if (Object.keys(inner).length > 0) delta[key] = inner;
    } else if (!jsonEqual(want, have)) {
      delta[key] = want;
    }
  }
  return delta;
}

/** Levels of nesting: 0 for a scalar, 1 for an object or array of scalars (or empty), and so on. */
export function depthOf(value: Json): number {
  if (Array.isArray(value)) return 1 + value.reduce<number>((deepest, item) => Math.max(deepest, depthOf(item)), 0);
  if (isObject(value)) return 1 + Object.values(value).reduce<number>((deepest, item) => Math.max(deepest, depthOf(item)), 0);
  return 0;
}

/** Object keys in the tree, at every level (inside arrays too). */
export function keyCount(value: Json): number {
  if (Array.isArray(value)) return value.reduce<number>((n, item) => n + keyCount(item), 0);
  if (isObject(value)) return Object.values(value).reduce<number>((n, item) => n + 1 + keyCount(item), 0);
  return 0;
}

/** The first problem with the keys and values of a tree: a key too long, or a number JSON cannot carry. */
export function treeProblem(value: Json, maxKeyLength: number, path = ''): string | undefined {
  if (typeof value === 'number' && !Number.isFinite(value)) return `${path || 'a value'} is a number out of range (${String(value)})`;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const problem = treeProblem(value[i]!, maxKeyLength, `${path}[${i}]`);
      if (problem) return problem;
    }
  } else if (isObject(value)) {
    for (const [key, item] of Object.entries(value)) {
      const at = path ? `${path}.${key}` : key;
      if (key.length === 0 || key.length > maxKeyLength) return `key ${JSON.stringify(at)} must have 1 to ${maxKeyLength} characters`;
      const problem = treeProblem(item, maxKeyLength, at);
      if (problem) return problem;
    }
  }
  return undefined;
}
