/**
 * The correction horizon against the raw readings' retention: with
 * TimescaleDB (PGlite, see test/pglite-timescaledb.ts) its policy is read; on
 * plain PostgreSQL nothing drops raw rows.
 */
import { componentLogger } from '../../lib/logger';
import { startTimescaleLite, type TimescaleLite } from '../../test/pglite-timescaledb';
import { freshDatabaseSchema } from '../../test/factories';
import { runMigrations } from '../../connectors/timescale-sink/migrate';
import { parseTimescaleSinkOptions } from '../../connectors/timescale-sink/options';
import { checkHorizonWithinRetention, rawRetentionMs } from './raw-retention';

const day = 24 * 3_600_000;

describe('the correction horizon and the raw retention', () => {
  let db: TimescaleLite;

  beforeAll(async () => {
    db = await startTimescaleLite();
    const { timescale } = parseTimescaleSinkOptions({ rawRetention: '30d' });
    await runMigrations(db, { schema: 'fleet', resolutions: ['1m', '1h', '1d'], timescaleOptions: timescale }, componentLogger('raw-retention-test'));
  }, 120_000);

  it('reads the retention policy of the measurements hypertable, and refuses a horizon longer than it', async () => {
    expect(await rawRetentionMs(db, 'fleet', 'measurements')).toBe(30 * day);
    await expect(checkHorizonWithinRetention(db, 'fleet', 'measurements', 7 * day)).resolves.toBeUndefined();
    await expect(checkHorizonWithinRetention(db, 'fleet', 'measurements', 31 * day)).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringContaining('ROLLUPS_CORRECTION_HORIZON (31d) is longer than the raw readings are kept (fleet.measurements: retention 30d)'),
    });
  });

  it('finds no retention where TimescaleDB is absent: any horizon is kept', async () => {
    const { pool, schema } = await freshDatabaseSchema();
    expect(await rawRetentionMs(pool, schema, 'measurements')).toBeUndefined();
    await expect(checkHorizonWithinRetention(pool, schema, 'measurements', 3650 * day)).resolves.toBeUndefined();
  });
});
