import type { z } from 'zod';
import { componentNamed } from '../bin/components';
import { optionVariable } from '../lib/config';

function asText(value: unknown): string {
  if (Array.isArray(value)) return value.join(',');
  if (value !== null && typeof value === 'object') return Object.entries(value).map(([k, v]) => `${k}=${String(v)}`).join(',');
  return String(value);
}

/**
 * The variables that configure a `fleetstream <component>` process like these
 * `start(options)` do (`{ groupId }` -> `REDIS_SINK_GROUP_ID`), named as the
 * CLI reads them; keys that are no option of the component (a logger) are left out.
 */
export function componentEnvironment(component: string, options: Record<string, unknown>): Record<string, string> {
  const entry = componentNamed(component);
  const shape = entry.options.shape as Record<string, z.ZodType>;
  return Object.fromEntries(
    Object.entries(options)
      .filter(([key, value]) => value !== undefined && key in shape)
      .map(([key, value]) => [optionVariable(entry.envPrefix, key, shape[key]!), asText(value)]),
  );
}
