import { eventually, freshGroupId } from '../../test/factories';
import { produceMeasurements } from '../../test/sink-records';
import { restartRedis } from '../../test/local-stack';
import { sinkOptions, startSink, newestByPath, latestMatches, series, freshResources } from './redis-sink.fixture';

describe('redis-sink', () => {
  it('survives a Redis restart mid-stream', async () => {
    const { redis, prefix, topics } = await freshResources();
    await startSink(sinkOptions(topics, prefix, freshGroupId()));
    const first = series(10, 50, 0);
    await produceMeasurements(topics, first);
    await eventually(() => latestMatches(redis, prefix, newestByPath(first)), 'first values');

    // the restart lands while these are written; Redis keeps nothing on disk here, so what was written
    // before it is gone, and only what the sink writes after it can be checked
    const second = series(10, 100, 50);
    const producing = produceMeasurements(topics, second);
    await restartRedis();
    await producing;
    const third = series(10, 50, 150);
    await produceMeasurements(topics, third);
    await eventually(() => latestMatches(redis, prefix, newestByPath(third)), 'values after the restart', 40000);
    expect(await redis.smembers(`${prefix}children:/t/s`)).toHaveLength(10);
  });
});
