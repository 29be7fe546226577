import { FleetstreamError } from './errors';

/**
 * What a PostgreSQL (node-postgres) error means for a write, by its SQLSTATE
 * (https://www.postgresql.org/docs/current/errcodes-appendix.html):
 * - `unavailable`: the server could not do it now; the same write later can succeed.
 * - `unwritable`: the server refuses the rows themselves (a NUL byte in text,
 *   22021; a path too long for its index, 54000); no retry helps, but the
 *   other rows of the batch can be written without them.
 * - `rejected`: the server refuses the statement whatever the rows (a missing
 *   table, 42P01; no permission, 42501): the deployment needs fixing.
 */
export type PgErrorClass = 'unavailable' | 'unwritable' | 'rejected';

/** SQLSTATE classes (first two characters) and codes whose errors pass with time. */
const unavailableStates = new Set([
  '08', // connection exception
  '40', // transaction rollback: serialization failure 40001, deadlock 40P01
  '53', // insufficient resources: disk full, out of memory, too many connections
  '57', // operator intervention: query canceled 57014, admin shutdown 57P01, cannot connect now 57P03
  '58', // system error: I/O error
  '55P03', // lock not available
  '55006', // object in use
]);

/** SQLSTATE classes of errors about the rows written. */
const unwritableStates = new Set([
  '21', // cardinality violation: two rows of one upsert on the same key
  '22', // data exception: invalid byte sequence 22021, NUL in text 22P05, value out of range
  '23', // integrity constraint violation: not null, check, foreign key
  '54', // program limit exceeded: an index row or a value too large
]);

/** Errors of the socket under node-postgres, before or instead of any SQLSTATE. */
const networkCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED']);

/** SQLSTATEs are five characters of digits and capital letters; node errors have codes like ECONNRESET. */
const sqlState = /^[0-9A-Z]{5}$/;

export function pgErrorClass(error: unknown): PgErrorClass {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !sqlState.test(code) || networkCodes.has(code)) {
    // Not an answer of the server (a refused connection, 'Connection terminated unexpectedly',
    // a pool timeout): the server refused nothing, and the sinks' writes are idempotent.
    return 'unavailable';
  }
  const sqlClass = code.slice(0, 2);
  if (unavailableStates.has(sqlClass) || unavailableStates.has(code)) return 'unavailable';
  if (unwritableStates.has(sqlClass)) return 'unwritable';
  return 'rejected';
}

const codeOf = { unavailable: 'DATABASE_UNAVAILABLE', unwritable: 'RECORD_UNWRITABLE', rejected: 'DATABASE_REJECTED' } as const;

/** `error` as the FleetstreamError its class makes it; `doing` says what failed ("writing 12 records of fleet.measurements.v1"). */
export function databaseError(error: unknown, doing: string): FleetstreamError {
  if (error instanceof FleetstreamError) return error;
  const kind = pgErrorClass(error);
  const code = (error as { code?: unknown } | null)?.code;
  const detail = typeof code === 'string' ? ` (${code})` : '';
  const hint = kind === 'rejected' ? '; check DATABASE_URL, its permissions, and that `fleetstream migrate` ran' : '';
  return new FleetstreamError(codeOf[kind], `${doing} failed: ${(error as Error).message}${detail}${hint}`, { cause: error });
}
