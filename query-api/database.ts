import { createHash } from 'node:crypto';
import { Pool, type QueryResultRow } from 'pg';
import { FleetstreamError } from '../lib/errors';

/**
 * Runs parameterized SQL only (user input never enters the text), mapping
 * PostgreSQL failures to API errors. Every statement is a named prepared
 * statement: the texts are a handful of fixed ones, so each connection parses
 * and plans each once.
 */
export interface Database {
  query<R extends QueryResultRow>(text: string, values: unknown[]): Promise<R[]>;
  close(): Promise<void>;
}

export function createDatabase(options: { databaseUrl: string; poolSize: number; statementTimeout: number }): Database {
  const pool = new Pool({
    connectionString: options.databaseUrl,
    max: options.poolSize,
    statement_timeout: options.statementTimeout,
    application_name: 'fleetstream-query-api',
    connectionTimeoutMillis: 5000,
  });
  // an idle client's error (server restart) must not crash the process; the next query reconnects
  pool.on('error', () => undefined);
  return {
    async query<R extends QueryResultRow>(text: string, values: unknown[]): Promise<R[]> {
      try {
        return (await pool.query<R>({ name: statementName(text), text, values })).rows;
      } catch (error) {
        throw databaseError(error, options.statementTimeout);
      }
    },
    close: () => pool.end(),
  };
}

const statementNames = new Map<string, string>();
function statementName(text: string): string {
  let name = statementNames.get(text);
  if (!name) {
    name = `query_api_${createHash('sha1').update(text).digest('hex').slice(0, 16)}`;
    statementNames.set(text, name);
  }
  return name;
}

function databaseError(error: unknown, statementTimeoutMs: number): FleetstreamError {
  const code = (error as { code?: string }).code;
  if (code === '57014') {
    return new FleetstreamError('QUERY_TIMEOUT', `the query ran longer than ${statementTimeoutMs} ms; narrow the range, use a coarser resolution or an aggregate, or raise QUERY_API_STATEMENT_TIMEOUT`, { cause: error });
  }
  if (code === '22008') return new FleetstreamError('QUERY_INVALID', 'a time is out of the range PostgreSQL can store', { cause: error });
  if (code === '42P01') {
    return new FleetstreamError('DATABASE_UNAVAILABLE', 'a table is missing: run the timescale-sink (its migrations create the tables) or check databaseSchema', { cause: error, retriable: true });
  }
  return new FleetstreamError('DATABASE_UNAVAILABLE', `PostgreSQL query failed: ${(error as Error).message}`, { cause: error });
}

/** A query parameter for a timestamptz column (exact to the millisecond, unlike float seconds). */
export function timeParameter(epochMs: number): string {
  return new Date(epochMs).toISOString();
}

/**
 * SQL that turns a timestamptz column into epoch milliseconds, a float8 pg
 * hands back as a JS number. date_part is float8 arithmetic (extract() is
 * numeric, several times slower per row); rounding makes it exact: epoch
 * seconds to the microsecond fit in a double's 15 significant digits.
 */
export function epochMs(column: string): string {
  return `round(date_part('epoch', ${column}) * 1000)`;
}
