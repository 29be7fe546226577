import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gunzipSync } from 'node:zlib';
import type { Pool } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { componentLogger } from '../../lib/logger';
import { columns, qualified } from '../../schemas/tables';
import { spawnComponent } from '../../test/cli-process';
import { eventually, freshDatabaseSchema, onCleanup } from '../../test/factories';
import { createTables } from '../../test/table-fixtures';
import { closedDays, dayOf, dayStart } from './closed-days';
import { parseManifest, type DayManifest } from './manifest';
import { startS3Server } from './s3-server.fixture';
import { archive } from './index';

const dayMs = 86_400_000;
const logger = componentLogger('archive-test');

async function freshDirectory(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'archive-'));
  onCleanup(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Series of the tenants, readings every `stepMinutes` on the days, and rollups of them in the three tables. */
async function fillDays(pool: Pool, schema: string, tenants: string[], days: string[], stepMinutes: number): Promise<void> {
  const t = (name: string) => qualified(schema, name);
  for (const tenant of tenants) {
    for (const metric of ['kw', 'temp']) {
      const path = `/${tenant}/plant1/meter/${metric}`;
      await pool.query(`insert into ${t('series')} values ($1, $2, 'plant1', 'meter', $3, 'non_additive', null, $4, $5)`, [path, tenant, metric, new Date(dayStart(days[0]!)), new Date(dayStart(days.at(-1)!) + dayMs - 1)]);
      for (const day of days) {
        await pool.query(
          `insert into ${t('measurements')} (path, time, value, received_at)
           select $1, ts, random() * 100 - 50, ts + interval '3 seconds'
           from generate_series($2::timestamptz, $2::timestamptz + interval '1 day' - interval '1 ms', make_interval(mins => $3)) as ts`,
          [path, new Date(dayStart(day)).toISOString(), stepMinutes],
        );
      }
    }
  }
  for (const [resolution, unit] of [['1m', 'minute'], ['1h', 'hour'], ['1d', 'day']] as const) {
    await pool.query(
      `insert into ${t(`rollups_${resolution}`)} (${columns.rollups.join(', ')})
       select path, date_trunc('${unit}', time), date_trunc('${unit}', time) + interval '1 ${unit}', 'non_additive', count(*), sum(value), min(value), max(value),
              min(value), min(time), max(value), max(time), null, 0, true, 1, now()
       from ${t('measurements')} group by path, date_trunc('${unit}', time)`,
    );
  }
}

/** The file's CSV loaded back by PostgreSQL's own CSV reader, compared with the table's rows of the tenant's day. */
async function expectFileEqualsTable(pool: Pool, schema: string, manifest: DayManifest, table: string, gzipped: Buffer): Promise<void> {
  const entry = manifest.files.find((f) => f.table === table)!;
  expect(createHash('sha256').update(gzipped).digest('hex')).toBe(entry.sha256);
  expect(gzipped.length).toBe(entry.bytes);
  const client = await pool.connect();
  try {
    await client.query(`create temp table readback (like ${qualified(schema, table)}) on commit preserve rows`);
    await pipeline(Readable.from([gunzipSync(gzipped)]), client.query(copyFrom(`copy readback from stdin with (format csv, header)`)));
    const time = table === 'measurements' ? 'time' : 'bucket';
    const day = [new Date(dayStart(manifest.day)), new Date(dayStart(manifest.day) + dayMs)];
    const inTable = `select * from ${qualified(schema, table)} where split_part(path, '/', 2) = $1 and ${time} >= $2 and ${time} < $3`;
    const { rows } = await client.query<{ file: string; stored: string; missing: string; extra: string; min: Date; max: Date }>(
      `select (select count(*) from readback) as file, (select count(*) from (${inTable}) s) as stored,
              (select count(*) from ((${inTable}) except all (select * from readback)) x) as missing,
              (select count(*) from ((select * from readback) except all (${inTable})) x) as extra,
              (select min(${time}) from readback) as min, (select max(${time}) from readback) as max`,
      [manifest.tenant, ...day],
    );
    expect(rows[0]).toMatchObject({ file: String(entry.rows), stored: String(entry.rows), missing: '0', extra: '0' });
    expect([rows[0]!.min.toISOString(), rows[0]!.max.toISOString()]).toEqual([entry.minTime, entry.maxTime]);
    await client.query('drop table readback');
  } finally {
    client.release();
  }
}

async function readManifest(dir: string, tenant: string, day: string): Promise<DayManifest | undefined> {
  const text = await readFile(join(dir, `tenant=${tenant}/day=${day}/manifest.json`), 'utf8').catch(() => undefined);
  return text === undefined ? undefined : parseManifest(text);
}

describe('the archive job', () => {
  // two closed days with data, one still inside a 2-day correction horizon (plus the 1 h settle), and the days closed between
  const now = Date.now();
  const closed = [dayOf(now - 5 * dayMs), dayOf(now - 4 * dayMs)];
  const open = dayOf(now - dayMs);
  const closedSince = (since: string) => closedDays({ since }, now, 2 * dayMs, 3_600_000);
  const allClosed = closedSince(closed[0]!);
  const tenants = ['arc_acme', 'arc-globex'];

  it('uploads a file larger than one multipart part (5 MiB) to S3 in parts, whole', async () => {
    const { pool, schema } = await freshDatabaseSchema();
    await createTables(pool, schema, ['1m', '1h', '1d']);
    const day = closed[0]!;
    await pool.query(`insert into ${qualified(schema, 'series')} values ('/arc_big/p/d/m0', 'arc_big', 'p', 'd', 'm0', 'non_additive', null, $1, $1)`, [new Date(dayStart(day))]);
    // 6 series, one reading a second: 518,400 rows, about 8 MB compressed
    await pool.query(
      `insert into ${qualified(schema, 'measurements')} select '/arc_big/p/d/m' || s, t, random(), t
       from generate_series(0, 5) s, generate_series($1::timestamptz, $1::timestamptz + interval '1 day' - interval '1 ms', interval '1 s') t`,
      [new Date(dayStart(day))],
    );
    const s3 = await startS3Server();
    const options = { to: `s3://${s3.bucket}/big`, databaseSchema: schema, correctionHorizon: '2d', since: day, until: day, s3Endpoint: s3.endpoint, s3ForcePathStyle: 'true', s3AccessKeyId: s3.accessKeyId, s3SecretAccessKey: s3.secretAccessKey };
    const result = await archive(options, { logger });
    expect(result).toMatchObject({ exported: 1, rows: 518_400, files: 1 });
    expect(result.bytes).toBeGreaterThan(5 * 2 ** 20);
    const client = new S3Client({ endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } });
    onCleanup(async () => client.destroy());
    const get = async (key: string) => Buffer.from(await (await client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: `big/${key}` }))).Body!.transformToByteArray());
    const manifest = parseManifest((await get(`tenant=arc_big/day=${day}/manifest.json`)).toString())!;
    await expectFileEqualsTable(pool, schema, manifest, 'measurements', await get(`tenant=arc_big/day=${day}/measurements.csv.gz`));
  }, 120_000);

  /** Twelve closed days of readings every minute, and `archive run` in a process of its own, once it archived its first day. */
  async function cliRunAfterFirstDay(tenant: string) {
    const { pool, schema } = await freshDatabaseSchema();
    await createTables(pool, schema, ['1m', '1h', '1d']);
    const days = Array.from({ length: 12 }, (_, i) => dayOf(now - (16 - i) * dayMs));
    await fillDays(pool, schema, [tenant], days, 1);
    const dir = await freshDirectory();
    const run = spawnComponent('archive', {}, ['run', '--to', pathToFileURL(dir).href, '--database-schema', schema, '--correction-horizon', '2d']);
    await eventually(() => (/"event":"archive_day_done"/.test(run.output()) ? true : undefined), 'a first archived day', 60_000, 5);
    return { pool, schema, days, dir, run };
  }

  it('archives the closed days of every tenant to a directory, files equal to the rows, never an open day, and a second run does nothing', async () => {
    const { pool, schema } = await freshDatabaseSchema();
    await createTables(pool, schema, ['1m', '1h', '1d']);
    await fillDays(pool, schema, tenants, [...closed, open], 15);
    const dir = await freshDirectory();
    const options = { to: pathToFileURL(dir).href, databaseSchema: schema, correctionHorizon: '2d', settle: '1h' };

    const first = await archive(options, { logger });
    expect(first).toMatchObject({ exported: 2 * allClosed.length, skipped: 0, reexported: 0, range: { since: closed[0], until: allClosed.at(-1) } });
    expect(allClosed).not.toContain(open);
    for (const tenant of tenants) {
      // a closed day without rows has its manifest, listing no file
      expect(await readdir(join(dir, `tenant=${tenant}`))).toEqual(allClosed.map((d) => `day=${d}`));
      for (const day of allClosed.slice(2)) expect((await readManifest(dir, tenant, day))!.files).toEqual([]);
      for (const day of closed) {
        const manifest = (await readManifest(dir, tenant, day))!;
        expect(manifest).toMatchObject({ schemaVersion: 1, tenant, day, revision: 1, format: 'csv+gzip' });
        expect(manifest.files.map((f) => [f.table, f.rows])).toEqual([['measurements', 192], ['rollups_1m', 192], ['rollups_1h', 48], ['rollups_1d', 2]]);
        for (const file of manifest.files) await expectFileEqualsTable(pool, schema, manifest, file.table, await readFile(join(dir, `tenant=${tenant}/day=${day}`, file.file)));
      }
    }
    const mtime = (await stat(join(dir, `tenant=arc_acme/day=${closed[0]}/measurements.csv.gz`))).mtimeMs;

    const second = await archive(options, { logger });
    expect(second).toMatchObject({ exported: 0, skipped: 2 * allClosed.length, rows: 0 });
    expect((await stat(join(dir, `tenant=arc_acme/day=${closed[0]}/measurements.csv.gz`))).mtimeMs).toBe(mtime);

    // a raw reading stored after the day was archived (too old for the rollups): the day is exported again, the next revision
    const late = new Date(dayStart(closed[0]!) + 7 * 60_000);
    await pool.query(`insert into ${qualified(schema, 'measurements')} values ('/arc_acme/plant1/meter/kw', $1, 42, now())`, [late]);
    await pool.query(`insert into ${qualified(schema, 'too_old_readings')} values ('/arc_acme/plant1/meter/kw', $1)`, [late]);
    const third = await archive(options, { logger });
    expect(third).toMatchObject({ exported: 1, reexported: 1, skipped: 2 * allClosed.length - 1 });
    const revised = (await readManifest(dir, 'arc_acme', closed[0]!))!;
    expect(revised.revision).toBe(2);
    expect(revised.files.find((f) => f.table === 'measurements')!.rows).toBe(193);
    expect(await archive(options, { logger })).toMatchObject({ exported: 0, skipped: 2 * allClosed.length });
  });

  it('archives to an S3-compatible server, resumable the same way', async () => {
    const { pool, schema } = await freshDatabaseSchema();
    await createTables(pool, schema, ['1m', '1h', '1d']);
    await fillDays(pool, schema, ['arc_s3'], [...closed, open], 30);
    const s3 = await startS3Server();
    const options = { to: `s3://${s3.bucket}/fleet/archive`, databaseSchema: schema, correctionHorizon: '2d', s3Endpoint: s3.endpoint, s3ForcePathStyle: 'true', s3AccessKeyId: s3.accessKeyId, s3SecretAccessKey: s3.secretAccessKey };
    expect(await archive(options, { logger })).toMatchObject({ exported: allClosed.length, files: 8 });

    const client = new S3Client({ endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } });
    onCleanup(async () => client.destroy());
    const get = async (key: string) => Buffer.from(await (await client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: `fleet/archive/${key}` }))).Body!.transformToByteArray());
    const listed = await client.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: 'fleet/archive/' }));
    expect((listed.Contents ?? []).map((o) => o.Key).sort()).toEqual(
      [
        ...closed.flatMap((day) => ['manifest.json', 'measurements.csv.gz', 'rollups_1d.csv.gz', 'rollups_1h.csv.gz', 'rollups_1m.csv.gz'].map((f) => `fleet/archive/tenant=arc_s3/day=${day}/${f}`)),
        ...allClosed.slice(2).map((day) => `fleet/archive/tenant=arc_s3/day=${day}/manifest.json`),
      ].sort(),
    );
    for (const day of closed) {
      const manifest = parseManifest((await get(`tenant=arc_s3/day=${day}/manifest.json`)).toString())!;
      for (const file of manifest.files) await expectFileEqualsTable(pool, schema, manifest, file.table, await get(`tenant=arc_s3/day=${day}/${file.file}`));
    }
    expect(await archive(options, { logger })).toMatchObject({ exported: 0, skipped: allClosed.length });
  });

  it('killed (SIGKILL) mid-run, leaves no file a manifest lists that is not whole, and the next run completes what it had not', async () => {
    const { pool, schema, days, dir, run } = await cliRunAfterFirstDay('arc_kill');
    await run.kill('SIGKILL');
    const { rows } = await pool.query<{ n: string }>(`select count(*) as n from ${qualified(schema, 'archived_days')}`);
    const archivedBefore = Number(rows[0]!.n);
    // the guard: the kill came mid-run
    expect(archivedBefore).toBeGreaterThanOrEqual(1);
    expect(archivedBefore).toBeLessThan(days.length - 1);

    for (const day of days) {
      const manifest = await readManifest(dir, 'arc_kill', day);
      if (!manifest) continue;
      for (const file of manifest.files) {
        const bytes = await readFile(join(dir, `tenant=arc_kill/day=${day}`, file.file));
        expect({ day, file: file.file, sha256: createHash('sha256').update(bytes).digest('hex') }).toEqual({ day, file: file.file, sha256: file.sha256 });
      }
    }

    const rest = await archive({ to: pathToFileURL(dir).href, databaseSchema: schema, correctionHorizon: '2d' }, { logger });
    const total = closedSince(days[0]!).length;
    expect(rest).toMatchObject({ exported: total - archivedBefore, skipped: archivedBefore });
    for (const day of days) {
      const folder = join(dir, `tenant=arc_kill/day=${day}`);
      expect({ day, names: (await readdir(folder)).sort() }).toEqual({ day, names: ['manifest.json', 'measurements.csv.gz', 'rollups_1d.csv.gz', 'rollups_1h.csv.gz', 'rollups_1m.csv.gz'] });
      const manifest = (await readManifest(dir, 'arc_kill', day))!;
      expect(manifest.files[0]).toMatchObject({ table: 'measurements', rows: 2 * 1440 });
    }
  }, 120_000);

  it('stopped with SIGTERM, finishes the day under way, records it, and exits 1 saying so', async () => {
    const { pool, schema, days, run } = await cliRunAfterFirstDay('arc_term');
    expect(await run.kill('SIGTERM')).toBe(1);
    expect(run.output()).toMatch(/fleetstream: Error: stopped by a signal; the day under way is done again by the next run/);
    const logged = (run.output().match(/"event":"archive_day_done"/g) ?? []).length;
    const { rows } = await pool.query<{ n: string }>(`select count(*) as n from ${qualified(schema, 'archived_days')}`);
    expect(Number(rows[0]!.n)).toBe(logged);
    expect(logged).toBeLessThan(days.length);
  }, 120_000);

  it('exits 1 with an error naming the option to fix when the destination is unusable', async () => {
    const missing = spawnComponent('archive', {}, ['run', '--to', 'file:///nonexistent/archive-dir']);
    expect(await missing.exited).toBe(1);
    expect(missing.output()).toMatch(/cannot write to the directory \/nonexistent\/archive-dir: .*\(check --to: an existing directory this user may write\) \[ARCHIVE_DESTINATION_UNAVAILABLE\]/);

    const scheme = spawnComponent('archive', {}, ['run', '--to', 'http://example.com/archive']);
    expect(await scheme.exited).toBe(1);
    expect(scheme.output()).toMatch(/archive options: to: must be file:\/\/\/<absolute directory> or s3:\/\/<bucket>\[\/<prefix>\] \[CONFIG_INVALID\]/);

    const s3 = await startS3Server();
    const bucket = spawnComponent('archive', { ARCHIVE_S3_ACCESS_KEY_ID: s3.accessKeyId, ARCHIVE_S3_SECRET_ACCESS_KEY: s3.secretAccessKey }, ['run', '--to', 's3://no-such-bucket/x', '--s3-endpoint', s3.endpoint, '--s3-force-path-style', 'true']);
    expect(await bucket.exited).toBe(1);
    expect(bucket.output()).toMatch(/cannot use the bucket no-such-bucket: no such bucket \(check --to, --s3-endpoint/);
    expect(bucket.output()).not.toContain(s3.secretAccessKey === 'S3RVER' ? 'ARCHIVE_S3_SECRET_ACCESS_KEY=' : s3.secretAccessKey);
  }, 60_000);
});
