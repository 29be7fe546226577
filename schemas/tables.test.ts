import { migrations } from './migrations';
import { rollupTable, tableNames } from './tables';

describe('table names', () => {
  it('names each resolution\'s table, and refuses a resolution that could inject into the name', () => {
    expect(rollupTable('1d')).toBe('rollups_1d');
    expect(() => rollupTable('1m; drop table x')).toThrow(/must be a whole number and s, m, h or d/);
    expect(() => rollupTable('1m"')).toThrow(/must be a whole number and s, m, h or d/);
  });

  it('quotes and qualifies every table in the schema', () => {
    const tables = tableNames('fleet"x', ['1m', '1h']);
    expect(tables.series).toBe('"fleet""x"."series"');
    expect(tables.measurements).toBe('"fleet""x"."measurements"');
    expect([...tables.rollups]).toEqual([['1m', '"fleet""x"."rollups_1m"'], ['1h', '"fleet""x"."rollups_1h"']]);
    expect(tables.tooOldReadings).toBe('"fleet""x"."too_old_readings"');
  });
});

describe('migrations', () => {
  const policies = { rawChunkInterval: '1 day', rawCompressAfter: '7 days', rawRetention: null, rollupChunkInterval: {}, rollupCompressAfter: {}, rollupRetention: {} };

  it('create plain tables without TimescaleDB, and hypertables of the same tables with it', () => {
    const plain = migrations({ schema: 'fleet', resolutions: ['1m', '1h'] }).map((m) => m.id);
    expect(plain).toEqual(['0001_series', '0002_measurements', '0003_rollups_1m', '0003_rollups_1h', '0005_too_old_readings', '0006_registry', '0007_configuration', '0008_webhooks', '0009_alert_rules', '0010_archive', '0011_automations', '0012_handlers', '0013_mqtt_republish', '0014_notifications', '0015_handler_secrets']);
    const timescale = migrations({ schema: 'fleet', resolutions: ['1m', '1h'], timescale: policies }).map((m) => m.id);
    expect(timescale).toEqual([
      '0001_series', '0002_measurements', '0003_rollups_1m', '0003_rollups_1h',
      '0004_timescaledb_measurements', '0004_timescaledb_rollups_1m', '0004_timescaledb_rollups_1h', '0005_too_old_readings', '0006_registry', '0007_configuration', '0008_webhooks', '0009_alert_rules', '0010_archive', '0011_automations', '0012_handlers', '0013_mqtt_republish', '0014_notifications', '0015_handler_secrets',
    ]);
  });
});
