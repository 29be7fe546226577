/**
 * Exports one tenant's day of every table, streamed: PostgreSQL writes the
 * rows as CSV (`COPY (select ...) TO STDOUT`), which goes through gzip and a
 * SHA-256 straight to the destination, so memory stays bounded (stream
 * buffers) whatever the day's size, and the CSV is PostgreSQL's own, quoting
 * and float round-tripping included. Every table of the day is read in one
 * repeatable-read transaction: the files and their counts are one snapshot.
 */
import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type { Pool, PoolClient } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { columns, measurementsTable, qualified } from '../../schemas/tables';
import { archiveTables, tableFileKey, tableFileName, type ArchiveTable } from './archive-layout';
import { dayMs, dayStart } from './closed-days';
import type { ArchiveDestination } from './destination';
import type { ManifestFile } from './manifest';

export interface DayExport {
  files: ManifestFile[];
  /** When the transaction's snapshot was taken: rows stored later are not in the files. */
  snapshotAt: Date;
}

function tableColumns(table: ArchiveTable): { names: readonly string[]; time: string } {
  return table === measurementsTable ? { names: columns.measurements, time: 'time' } : { names: columns.rollups, time: 'bucket' };
}

/** Rows of the tenant's series (`/<tenant>/...`) in the day: a range on the paths, so the primary key (path, time) serves it. */
function dayFilter(client: PoolClient, tenant: string, day: string, time: string): string {
  const start = new Date(dayStart(day)).toISOString();
  const end = new Date(dayStart(day) + dayMs).toISOString();
  // '0' follows '/' in every collation's byte order used here: [/t/, /t0) is every path under /t/
  return `path >= ${client.escapeLiteral(`/${tenant}/`)} and path < ${client.escapeLiteral(`/${tenant}0`)} and ${time} >= ${client.escapeLiteral(start)} and ${time} < ${client.escapeLiteral(end)}`;
}

export async function exportDay(pool: Pool, schema: string, destination: ArchiveDestination, tenant: string, day: string, onRows: (rows: number) => void): Promise<DayExport> {
  const client = await pool.connect();
  try {
    await client.query('begin isolation level repeatable read read only');
    await client.query(`set local timezone = 'UTC'`);
    const { rows } = await client.query<{ now: Date }>('select now()');
    const files: ManifestFile[] = [];
    for (const table of archiveTables) {
      const file = await exportTable(client, schema, destination, tenant, day, table, onRows);
      if (file) files.push(file);
    }
    await client.query('commit');
    return { files, snapshotAt: rows[0]!.now };
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

async function exportTable(client: PoolClient, schema: string, destination: ArchiveDestination, tenant: string, day: string, table: ArchiveTable, onRows: (rows: number) => void): Promise<ManifestFile | undefined> {
  const { names, time } = tableColumns(table);
  const from = qualified(schema, table);
  const where = dayFilter(client, tenant, day, time);
  const { rows } = await client.query<{ count: string; min: Date | null; max: Date | null }>(`select count(*) as count, min(${time}) as min, max(${time}) as max from ${from} where ${where}`);
  const count = Number(rows[0]!.count);
  if (count === 0) return undefined;

  const copy = client.query(copyTo(`copy (select ${names.join(', ')} from ${from} where ${where} order by path, ${time}) to stdout with (format csv, header)`));
  // the header is a line too
  let lines = -1;
  let reported = 0;
  // paths are single segments of [A-Za-z0-9_.:~@-] and the rest numbers, times and booleans: a newline ends a row
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
      if (lines - reported >= 10_000) {
        onRows(lines - reported);
        reported = lines;
      }
      done(null, chunk);
    },
  });
  const hash = createHash('sha256');
  let bytes = 0;
  const hasher = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      bytes += chunk.length;
      done(null, chunk);
    },
  });
  const key = tableFileKey(tenant, day, table);
  await Promise.all([
    pipeline(copy, counter, createGzip(), hasher),
    destination.write(key, hasher).catch((error: unknown) => {
      hasher.destroy(error as Error);
      throw error;
    }),
  ]);
  onRows(lines - reported);
  if (lines !== count) throw new Error(`${table} of ${tenant} on ${day}: copied ${lines} rows, counted ${count} in the same snapshot`);
  return { table, file: tableFileName(table), rows: count, minTime: rows[0]!.min!.toISOString(), maxTime: rows[0]!.max!.toISOString(), sha256: hash.digest('hex'), bytes, columns: names };
}
