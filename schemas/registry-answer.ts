import { FleetstreamError } from '../lib/errors';

/**
 * What a schema registry's error answer means to the caller, read from the
 * HTTP status only. The error codes in the bodies differ between registries for
 * the same situation (a subject created concurrently is 409 with error_code 409
 * from Apicurio 2.4, a compatibility rule created concurrently is 409 with
 * error_code 0), and the same pair means different things (Apicurio answers an
 * incompatible schema with 409 and error_code 0 too), so only a look at what
 * the registry now holds tells "already exists" from "refused".
 *
 * - `conflict`: 409, the request clashes with what the subject holds: it may
 *   already hold it (a concurrent writer won), or refuse it as incompatible.
 * - `not-found`: 404, no such subject, schema or subject-level configuration.
 * - `refused`: any other 4xx (422 invalid schema or compatibility level, 401/403).
 * - `unavailable`: no HTTP answer at all (refused, reset, timed out), 408, 429
 *   or 5xx (Confluent's 50001-50004 store, timeout, forwarding and leader errors,
 *   Karapace's 50003 "no master"): retrying can help.
 */
export type RegistryAnswer = 'conflict' | 'not-found' | 'refused' | 'unavailable';

export function classifyRegistryAnswer(error: unknown): RegistryAnswer {
  // the client's RestError carries `status` for every HTTP answer, registry-shaped body or not
  const status = (error as { status?: unknown } | undefined)?.status;
  if (typeof status !== 'number') return 'unavailable';
  if (status === 409) return 'conflict';
  if (status === 404) return 'not-found';
  if (status === 408 || status === 429) return 'unavailable';
  if (status >= 400 && status < 500) return 'refused';
  return 'unavailable';
}

/** The FleetstreamError for a registry answer that the caller could not resolve. */
export function registryError(error: unknown, doing: string): FleetstreamError {
  const message = error instanceof Error ? error.message : String(error);
  if (classifyRegistryAnswer(error) === 'unavailable') {
    return new FleetstreamError('REGISTRY_UNAVAILABLE', `schema registry unreachable while ${doing} (check SCHEMA_REGISTRY_URL): ${message}`, { cause: error });
  }
  const status = (error as { status?: unknown }).status;
  const fix = status === 401 || status === 403 ? ' (check SCHEMA_REGISTRY_USERNAME and SCHEMA_REGISTRY_PASSWORD)' : '';
  return new FleetstreamError('REGISTRY_REJECTED', `schema registry refused ${doing}${fix}: ${message}`, { cause: error });
}
