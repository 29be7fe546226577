import { eventually, freshGroupId } from '../../test/factories';
import { freshSinkTopics, groupCaughtUp, sinkCaughtUp, produceMeasurements, produceRollups, reading, readRecords, rollup, spawnWithOptions } from '../../test/sink-records';
import { resolutions, t0, sinkOptions, startSink, readings, rawRows, expectedRaw, countOf, freshSchema } from './timescale-sink.fixture';

describe('timescale-sink', () => {
  it('lands measurements and rollups exactly once, keeps the highest revision, dead-letters undecodable records, and a replay changes no row', async () => {
    const topics = await freshSinkTopics(resolutions);
    const { pool, schema } = await freshSchema();
    const ms = readings(4, 50);
    await produceMeasurements(topics, [...ms, ...ms.slice(0, 20)]); // duplicates, as QoS 1 retries deliver them
    const garbage = Buffer.from('not avro at all');
    await topics.producer.send({ topic: topics.measurements, messages: [{ key: 'x', value: garbage }] });
    const path = '/acme/plant0/m0/kwh';
    // window 0: final (7) before provisional (4); window 1: provisional (4) before final (7)
    await produceRollups(topics, '1m', [rollup(path, '1m', t0, 3, true), rollup(path, '1m', t0, 2, false), rollup(path, '1m', t0 + 60_000, 2, false)]);
    await produceRollups(topics, '1m', [rollup(path, '1m', t0 + 60_000, 3, true)]);
    await produceRollups(topics, '1h', [rollup(path, '1h', t0, 10, false)]);

    const options = sinkOptions(topics, schema, freshGroupId());
    const sink = await startSink(options);
    await eventually(async () => ((await countOf(pool, 'measurements')) === 200 && (await countOf(pool, 'rollups_1m')) === 2 && (await countOf(pool, 'rollups_1h')) === 1 ? true : undefined), 'all rows landed');
    await eventually(async () => (await sinkCaughtUp(options.groupId, [topics.measurements], Object.values(topics.rollups))) || undefined, 'offsets committed');

    expect(await rawRows(pool)).toEqual(expectedRaw(ms));
    const rollups = await pool.query(`select (extract(epoch from bucket) * 1000)::bigint as bucket, revision, final, count from rollups_1m order by bucket`);
    expect(rollups.rows).toEqual([
      { bucket: String(t0), revision: '7', final: true, count: '3' },
      { bucket: String(t0 + 60_000), revision: '7', final: true, count: '3' },
    ]);
    const series = await pool.query(`select path, tenant, site, device, metric, kind, unit, (extract(epoch from first_seen) * 1000)::bigint as f, (extract(epoch from last_seen) * 1000)::bigint as l from series order by path`);
    expect(series.rows).toHaveLength(4);
    expect(series.rows[0]).toEqual({ path: '/acme/plant0/m0/kwh', tenant: 'acme', site: 'plant0', device: 'm0', metric: 'kwh', kind: 'energy', unit: 'kWh', f: String(t0), l: String(t0 + 49_000) });

    const deadLetters = await readRecords(topics.deadLetter, 1);
    const dead = await topics.deadLetterCodec.decode(deadLetters[0]!);
    expect(dead).toMatchObject({ source: 'timescale-sink', reason: 'undecodable', sourceTopic: topics.measurements });
    expect(Buffer.compare(dead.payload, garbage)).toBe(0);

    const metrics = await sink.metrics.metrics();
    expect(metrics).toMatch(/fleetstream_timescale_sink_rows_written_total\{target="measurements",component="timescale-sink"\} 200/);
    expect(metrics).toMatch(/fleetstream_timescale_sink_dead_lettered_total\{reason="undecodable",component="timescale-sink"\} 1/);

    // replay every topic from offset 0 through a new group: no row gets a new version
    const versions = async () => (await pool.query(`select 'm' || xmin::text || path || time from measurements union all select 'r' || xmin::text || path || bucket from rollups_1m union all select 's' || xmin::text || path from series`)).rows.map((r) => JSON.stringify(r)).sort();
    const before = await versions();
    await sink.stop();
    const replay = { ...options, groupId: freshGroupId() };
    await startSink(replay);
    await eventually(async () => (await sinkCaughtUp(replay.groupId, [topics.measurements], Object.values(topics.rollups))) || undefined, 'replay caught up', 30000);
    expect(await versions()).toEqual(before);
  });

  it('dead-letters a record PostgreSQL refuses (a NUL byte in its unit) as unwritable, writes the rest of its batch and every tenant, and the partition keeps flowing', async () => {
    const topics = await freshSinkTopics(resolutions, 1); // one partition: the bad record shares it with every tenant
    const { pool, schema } = await freshSchema();
    const good = [...readings(4, 30), ...Array.from({ length: 30 }, (_, i) => reading(`/globex/depot/g${i % 3}/kwh`, t0 + i * 1000, i))];
    const bad = { ...reading('/acme/plant0/nul/kwh', t0, 1), unit: 'k\u0000Wh' };
    await produceMeasurements(topics, [...good.slice(0, 70), bad, ...good.slice(70)]); // in the middle of one batch
    const badBytes = topics.measurementCodec.encode(bad);

    const options = sinkOptions(topics, schema, freshGroupId());
    const sink = await startSink(options);
    await eventually(async () => (await groupCaughtUp(options.groupId, [topics.measurements])) || undefined, 'offsets committed past the bad record');
    expect(await rawRows(pool)).toEqual(expectedRaw(good));
    expect((await pool.query('select count(*)::int as n from series where tenant = $1', ['globex'])).rows[0].n).toBe(3);

    const [deadLetter] = await readRecords(topics.deadLetter, 1);
    const dead = await topics.deadLetterCodec.decode(deadLetter!);
    expect(dead).toMatchObject({ source: 'timescale-sink', reason: 'unwritable', sourceTopic: topics.measurements });
    expect(dead.message).toMatch(/22021|0x00/);
    expect(Buffer.compare(dead.payload, badBytes)).toBe(0);
    expect(await sink.metrics.metrics()).toMatch(/fleetstream_timescale_sink_dead_lettered_total\{reason="unwritable",component="timescale-sink"\} 1/);

    // later readings of the same partition land too
    const later = readings(2, 5, 100);
    await produceMeasurements(topics, later);
    await eventually(async () => ((await countOf(pool, 'measurements')) === good.length + later.length ? true : undefined), 'the later readings');
    expect(sink.ready()).toBe(true);
  });

  it('survives its own SIGKILL mid-stream: the stored rows are exactly the expected set', async () => {
    const topics = await freshSinkTopics(resolutions);
    const { pool, schema } = await freshSchema();
    const groupId = freshGroupId();
    const options = { schema, resolutions: resolutions.join(','), groupId, measurementsTopic: topics.measurements, deadLetterTopic: topics.deadLetter,
      rollupTopics: Object.entries(topics.rollups).map(([r, topic]) => `${r}=${topic}`).join(',') };
    const all = readings(20, 4000); // enough that the first commit cannot hold it all: COPY writes 20k rows in a blink
    await produceMeasurements(topics, all);

    const victim = spawnWithOptions('timescale-sink', options);
    await eventually(async () => ((await countOf(pool, 'measurements').catch(() => 0)) > 0 ? true : undefined), 'the first rows', 30000, 10);
    const killed = new Promise((resolve) => victim.once('exit', resolve));
    victim.kill('SIGKILL');
    await killed;
    const atKill = await countOf(pool, 'measurements');

    spawnWithOptions('timescale-sink', options);
    await eventually(async () => ((await countOf(pool, 'measurements')) === all.length ? true : undefined), 'every row after the restart', 60000);
    expect(await rawRows(pool)).toEqual(expectedRaw(all));
    expect(atKill).toBeLessThan(all.length); // the kill really was mid-stream
  });
});

