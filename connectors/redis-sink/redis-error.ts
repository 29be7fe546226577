import { FleetstreamError } from '../../lib/errors';

/**
 * A failed Redis command as a FleetstreamError. WRONGTYPE (a record's key holds
 * another type, written by something else under the sink's prefix) refuses
 * that record until the key is deleted: RECORD_UNWRITABLE, so the record is
 * dead-lettered and the partition flows on. Anything else passes with time (a
 * restart, scripts not loaded yet, OOM under maxmemory): REDIS_UNAVAILABLE.
 */
export function redisError(error: Error, doing: string): FleetstreamError {
  if (error instanceof FleetstreamError) return error;
  const code = error.message.startsWith('WRONGTYPE') ? 'RECORD_UNWRITABLE' : 'REDIS_UNAVAILABLE';
  return new FleetstreamError(code, `${doing} failed: ${error.message}`, { cause: error });
}
