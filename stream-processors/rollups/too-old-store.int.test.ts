import type { Pool } from 'pg';
import { tableNames } from '../../schemas/tables';
import { freshDatabaseSchema } from '../../test/factories';
import { createTables } from '../../test/table-fixtures';
import { recordTooOld } from './too-old-store';

let pool: Pool;
let table: string;
/** the statements sent through the pool by recordTooOld */
let sent: string[];
const counted = { query: (text: string, values?: unknown[]) => (sent.push(text), pool.query(text, values)) };

beforeAll(async () => {
  let schema: string;
  ({ pool, schema } = await freshDatabaseSchema());
  await createTables(pool, schema, ['1m']);
  table = tableNames(schema, ['1m']).tooOldReadings;
});

beforeEach(async () => {
  sent = [];
  await pool.query(`truncate ${table}`);
});

async function stored(): Promise<[string, number][]> {
  const { rows } = await pool.query<{ path: string; t: number }>(`select path, (extract(epoch from time) * 1000)::float8 as t from ${table} order by path, time`);
  return rows.map((r) => [r.path, r.t]);
}

describe('recordTooOld', () => {
  const t = Date.UTC(2024, 2, 1, 10, 15, 30, 123);

  it('stores each reading once, in one statement, exact to the millisecond', async () => {
    await recordTooOld(counted, table, [
      { path: '/acme/plant1/meter1/kwh', time: t },
      { path: '/acme/plant1/meter1/kwh', time: t + 1 },
      { path: '/acme/plant1/room1/temp', time: t },
      { path: '/acme/plant1/meter1/kwh', time: t }, // a duplicate inside the list
    ]);
    expect(sent).toHaveLength(1);
    expect(await stored()).toEqual([
      ['/acme/plant1/meter1/kwh', t],
      ['/acme/plant1/meter1/kwh', t + 1],
      ['/acme/plant1/room1/temp', t],
    ]);
  });

  it('changes nothing when a replay records the same readings again', async () => {
    const readings = [{ path: '/acme/plant1/meter1/kwh', time: t }, { path: '/acme/plant1/pump1/litres', time: t - 60_000 }];
    await recordTooOld(counted, table, readings);
    await recordTooOld(counted, table, [...readings, { path: '/acme/plant1/pump1/litres', time: t }]);
    expect(await stored()).toEqual([
      ['/acme/plant1/meter1/kwh', t],
      ['/acme/plant1/pump1/litres', t - 60_000],
      ['/acme/plant1/pump1/litres', t],
    ]);
  });

  it('sends no statement for an empty list', async () => {
    await recordTooOld(counted, table, []);
    expect(sent).toEqual([]);
    expect(await stored()).toEqual([]);
  });
});
