import { componentLogger } from '../lib/logger';
import { freshDatabaseSchema } from '../test/factories';
import { applyMigrations } from './apply-migrations';
import { columns, measurementsTable, qualified, rollupTable, tooOldReadingsTable } from './tables';

describe('applyMigrations', () => {
  it('creates the tables with the columns schemas/tables.ts names, in order, and applies nothing twice', async () => {
    const { pool, schema } = await freshDatabaseSchema();
    const client = await pool.connect();
    try {
      const first = await applyMigrations(client, { schema, resolutions: ['1m', '1h'] }, componentLogger('migrations-test'));
      expect(first).toEqual(['0001_series', '0002_measurements', '0003_rollups_1m', '0003_rollups_1h', '0005_too_old_readings', '0006_registry', '0007_configuration', '0008_webhooks', '0009_alert_rules', '0010_archive', '0011_automations', '0012_handlers', '0013_mqtt_republish', '0014_notifications', '0015_handler_secrets']);
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
    expect(await columnsOf(tooOldReadingsTable)).toEqual(columns.tooOldReadings);
  });

  it('adds the too_old_readings table to a schema migrated before it existed, leaving the other tables as they were', async () => {
    const { pool, schema } = await freshDatabaseSchema();
    const logger = componentLogger('migrations-test');
    const client = await pool.connect();
    try {
      await applyMigrations(client, { schema, resolutions: ['1m'] }, logger);
      await client.query(`insert into ${qualified(schema, measurementsTable)} (path, time, value, received_at) values ('/a/b/c/d', now(), 1, now())`);
      // the schema as the migrations before 0005 left it
      await client.query(`drop table ${qualified(schema, tooOldReadingsTable)}`);
      await client.query(`delete from ${qualified(schema, 'schema_migrations')} where id = '0005_too_old_readings'`);
      expect(await applyMigrations(client, { schema, resolutions: ['1m'] }, logger)).toEqual(['0005_too_old_readings']);
    } finally {
      client.release();
    }
    const { rows } = await pool.query<{ n: number }>(`select count(*)::int as n from ${qualified(schema, measurementsTable)}`);
    expect(rows[0]?.n).toBe(1);
    const key = await pool.query<{ columns: string }>(
      `select string_agg(a.attname, ',' order by k.ord) as columns
         from pg_index i cross join lateral unnest(i.indkey) with ordinality as k(attnum, ord)
         join pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.attnum
        where i.indrelid = $1::regclass and i.indisprimary`,
      [qualified(schema, tooOldReadingsTable)],
    );
    expect(key.rows[0]?.columns).toBe('path,time');
  });
});
