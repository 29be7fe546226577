import { componentLogger } from '../lib/logger';
import { freshDatabaseSchema } from '../test/factories';
import { applyMigrations } from './apply-migrations';
import { columns, rollupTable } from './tables';

describe('applyMigrations', () => {
  it('creates the tables with the columns schemas/tables.ts names, in order, and applies nothing twice', async () => {
    const { pool, schema } = await freshDatabaseSchema();
    const client = await pool.connect();
    try {
      const first = await applyMigrations(client, { schema, resolutions: ['1m', '1h'] }, componentLogger('migrations-test'));
      expect(first).toEqual(['0001_series', '0002_measurements', '0003_rollups_1m', '0003_rollups_1h']);
      expect(await applyMigrations(client, { schema, resolutions: ['1m', '1h'] }, componentLogger('migrations-test'))).toEqual([]);
    } finally {
      client.release();
    }
    const columnsOf = async (table: string) =>
      (await pool.query<{ column_name: string }>('select column_name from information_schema.columns where table_schema = $1 and table_name = $2 order by ordinal_position', [schema, table])).rows.map((r) => r.column_name);
    expect(await columnsOf('series')).toEqual(columns.series);
    expect(await columnsOf('measurements')).toEqual(columns.measurements);
    expect(await columnsOf(rollupTable('1m'))).toEqual(columns.rollups);
    expect(await columnsOf(rollupTable('1h'))).toEqual(columns.rollups);
  });
});
