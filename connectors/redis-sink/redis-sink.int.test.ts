import { eventually, freshGroupId } from '../../test/factories';
import { groupCaughtUp, sinkCaughtUp, produceMeasurements, produceRollups, reading, readRecords, rollup, spawnWithOptions } from '../../test/sink-records';
import { resolutions, t0, client, sinkOptions, startSink, newestByPath, latestMatches, series, freshResources } from './redis-sink.fixture';

describe('redis-sink', () => {
  it('keeps the newest value by event time under out-of-order arrival, the highest rollup revision, the hierarchy, and publishes live updates', async () => {
    const { redis, prefix, topics } = await freshResources();
    const subscriber = client();
    const path = '/acme/plant1/m7/kwh';
    const live: string[] = [];
    subscriber.on('pmessage', (_pattern, _channel, message: string) => live.push(message));
    await subscriber.psubscribe(`${prefix}live:/acme/*`);

    // newest first, then older readings arriving later
    await produceMeasurements(topics, [reading(path, t0 + 5000, 5), reading(path, t0 + 1000, 1), reading(path, t0 + 3000, 3), reading('/acme/plant2/m1/kwh', t0, 9)]);
    await produceRollups(topics, '1m', [rollup(path, '1m', t0, 3, true), rollup(path, '1m', t0, 2, false), rollup(path, '1m', t0 + 60_000, 1, false)]);
    await produceRollups(topics, '1h', [rollup(path, '1h', t0, 4, false), rollup(path, '1h', t0, 5, false)]);
    await topics.producer.send({ topic: topics.measurements, messages: [{ value: Buffer.from([0, 0, 0, 0]) }] });

    const options = sinkOptions(topics, prefix, freshGroupId());
    const sink = await startSink(options);
    await eventually(async () => (await sinkCaughtUp(options.groupId, [topics.measurements], Object.values(topics.rollups))) || undefined, 'offsets committed');

    expect(await redis.hgetall(`${prefix}latest:${path}`)).toEqual({ time: String(t0 + 5000), value: '5', kind: 'energy', unit: 'kWh', receivedAt: String(t0 + 5007) });
    const oneMinute = await redis.zrange(`${prefix}rollups:1m:${path}`, '0', '-1', 'WITHSCORES');
    expect(oneMinute.filter((_, i) => i % 2 === 1)).toEqual([String(t0), String(t0 + 60_000)]);
    expect(JSON.parse(oneMinute[0]!)).toMatchObject({ revision: 7, final: true });
    const oneHour = await redis.zrange(`${prefix}rollups:1h:${path}`, '0', '-1');
    expect(oneHour.map((m) => JSON.parse(m).revision)).toEqual([10]);
    expect(await redis.smembers(`${prefix}children:/`)).toEqual(['/acme']);
    expect((await redis.smembers(`${prefix}children:/acme`)).sort()).toEqual(['/acme/plant1', '/acme/plant2']);
    expect(await redis.smembers(`${prefix}children:/acme/plant1/m7`)).toEqual([path]);
    await eventually(() => (live.length >= 2 ? true : undefined), 'live updates');
    expect(live.map((m) => JSON.parse(m))).toContainEqual({ path, time: t0 + 5000, value: 5, kind: 'energy', unit: 'kWh' });
    expect(live.filter((m) => JSON.parse(m).path === path)).toHaveLength(1); // the older readings were not applied
    expect(await sink.metrics.metrics()).toMatch(/fleetstream_redis_sink_dead_lettered_total\{reason="undecodable",component="redis-sink"\} 1/);

    // a replay from offset 0 changes nothing
    const snapshot = async () => Promise.all([redis.hgetall(`${prefix}latest:${path}`), redis.zrange(`${prefix}rollups:1m:${path}`, '0', '-1'), redis.zrange(`${prefix}rollups:1h:${path}`, '0', '-1')]);
    const before = await snapshot();
    await sink.stop();
    const replay = { ...options, groupId: freshGroupId() };
    await startSink(replay);
    await eventually(async () => (await sinkCaughtUp(replay.groupId, [topics.measurements], Object.values(topics.rollups))) || undefined, 'replay caught up');
    expect(await snapshot()).toEqual(before);
  });

  it('does not send Redis a backlog older than the latest values it wrote, and still applies what is newer', async () => {
    const { redis, prefix, topics } = await freshResources();
    const options = sinkOptions(topics, prefix, freshGroupId());
    const sink = await startSink(options);
    const live = series(20, 2, 100);
    await produceMeasurements(topics, live);
    await eventually(() => latestMatches(redis, prefix, newestByPath(live)), 'the live values');

    const backlog = series(20, 50, 0); // older than every live value
    const newer = series(5, 1, 200);
    await produceMeasurements(topics, [...backlog, ...newer]);
    await eventually(async () => (await groupCaughtUp(options.groupId, [topics.measurements])) || undefined, 'offsets committed', 30000);
    expect(await latestMatches(redis, prefix, newestByPath([...live, ...newer]))).toBe(true);
    expect(await sink.metrics.getSingleMetricAsString('fleetstream_redis_sink_readings_not_newer_total')).toMatch(new RegExp(`} ${backlog.length}$`, 'm'));
  });

  it('commits the offsets of what it wrote when it stops, between two commit intervals', async () => {
    const { redis, prefix, topics } = await freshResources();
    const all = series(10, 20, 0);
    await produceMeasurements(topics, all);
    const options = { ...sinkOptions(topics, prefix, freshGroupId()), commitInterval: '10m' };
    const sink = await startSink(options);
    await eventually(() => latestMatches(redis, prefix, newestByPath(all)), 'every newest value');
    expect(await groupCaughtUp(options.groupId, [topics.measurements])).toBe(false); // the interval has not come round
    await sink.stop();
    expect(await groupCaughtUp(options.groupId, [topics.measurements])).toBe(true);
  });

  it('dead-letters a reading whose key Redis refuses (WRONGTYPE) as unwritable, writes the rest of its batch, and the partition keeps flowing', async () => {
    const { redis, prefix, topics } = await freshResources(1); // one partition: the bad record shares it with every tenant
    const blocked = '/acme/plant0/blocked/kwh';
    await redis.set(`${prefix}latest:${blocked}`, 'a string, not a hash'); // written under the sink's prefix by something else
    const good = [...series(6, 10, 0), reading('/globex/depot/g1/kwh', t0, 4)];
    const bad = reading(blocked, t0, 1);
    await produceMeasurements(topics, [...good.slice(0, 30), bad, ...good.slice(30)]);

    const options = { ...sinkOptions(topics, prefix, freshGroupId()), readingsPerCall: 8 };
    const sink = await startSink(options);
    await eventually(async () => (await groupCaughtUp(options.groupId, [topics.measurements])) || undefined, 'offsets committed past the refused record');
    expect(await latestMatches(redis, prefix, newestByPath(good))).toBe(true);
    const [deadLetter] = await readRecords(topics.deadLetter, 1);
    const dead = await topics.deadLetterCodec.decode(deadLetter!);
    expect(dead).toMatchObject({ source: 'redis-sink', reason: 'unwritable', sourceTopic: topics.measurements });
    expect(dead.message).toMatch(/WRONGTYPE/);
    expect(Buffer.compare(dead.payload, topics.measurementCodec.encode(bad))).toBe(0);

    const later = series(2, 3, 100);
    await produceMeasurements(topics, later);
    await eventually(() => latestMatches(redis, prefix, newestByPath(later)), 'the later readings');
    expect(sink.ready()).toBe(true);
  });

  it('survives its own SIGKILL mid-stream', async () => {
    const { redis, prefix, topics } = await freshResources();
    const all = series(50, 400, 0);
    await produceMeasurements(topics, all);
    const rollups = all.filter((m) => m.timestamp % 60_000 === 0).map((m) => rollup(m.path, '1m', m.timestamp, 2, true));
    await produceRollups(topics, '1m', rollups);
    const options = { keyPrefix: prefix, resolutions: resolutions.join(','), groupId: freshGroupId(), measurementsTopic: topics.measurements, deadLetterTopic: topics.deadLetter,
      rollupTopics: Object.entries(topics.rollups).map(([r, topic]) => `${r}=${topic}`).join(',') };

    const victim = spawnWithOptions('redis-sink', options);
    await eventually(async () => ((await redis.keys(`${prefix}latest:*`)).length > 0 ? true : undefined), 'the first values', 30000, 10);
    const killed = new Promise((resolve) => victim.once('exit', resolve));
    victim.kill('SIGKILL');
    await killed;

    spawnWithOptions('redis-sink', options);
    await eventually(() => latestMatches(redis, prefix, newestByPath(all)), 'every newest value after the restart', 60000);
    await eventually(async () => ((await redis.zcard(`${prefix}rollups:1m:/t/s/d0/m`)) === 7 ? true : undefined), 'rollups after the restart', 30000);
    const members = await redis.zrange(`${prefix}rollups:1m:/t/s/d0/m`, '0', '-1');
    expect(members.map((m) => JSON.parse(m).windowStart)).toEqual(rollups.filter((r) => r.path === '/t/s/d0/m').map((r) => r.windowStart));
  });
});


