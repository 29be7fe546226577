/**
 * A device's tags: string keys and values, free-form metadata (model,
 * firmware, owner) the hierarchy publishes with the device. The CLI writes
 * them `k=v,k2=v2`. Pure.
 */
import { FleetstreamError } from '../lib/errors';

export type DeviceTags = Record<string, string>;

export function parseDeviceTags(text: string): DeviceTags {
  const tags: DeviceTags = {};
  for (const pair of text.split(',').map((part) => part.trim()).filter(Boolean)) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new FleetstreamError('REGISTRY_INPUT_INVALID', `tag "${pair}" is not key=value`);
    tags[pair.slice(0, at).trim()] = pair.slice(at + 1).trim();
  }
  return tags;
}

/** `tags` itself, or REGISTRY_INPUT_INVALID unless every key is non-empty and every value a string. */
export function checkedTags(tags: unknown): DeviceTags {
  if (tags === null || typeof tags !== 'object' || Array.isArray(tags)) throw new FleetstreamError('REGISTRY_INPUT_INVALID', 'tags are an object of strings');
  for (const [key, value] of Object.entries(tags)) {
    if (key.trim() === '' || typeof value !== 'string') throw new FleetstreamError('REGISTRY_INPUT_INVALID', `tag ${JSON.stringify(key)} needs a non-empty key and a string value`);
  }
  return tags as DeviceTags;
}
