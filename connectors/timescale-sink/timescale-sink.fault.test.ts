import { eventually, freshGroupId } from '../../test/factories';
import { freshSinkTopics, produceMeasurements } from '../../test/sink-records';
import { restartPostgres } from '../../test/local-stack';
import { resolutions, sinkOptions, startSink, readings, rawRows, expectedRaw, countOf, freshSchema } from './timescale-sink.fixture';

describe('timescale-sink', () => {
  it('survives a PostgreSQL restart mid-stream: nothing lost, nothing doubled', async () => {
    const topics = await freshSinkTopics(resolutions);
    const { pool, schema } = await freshSchema();
    await startSink(sinkOptions(topics, schema, freshGroupId()));
    const first = readings(5, 100);
    await produceMeasurements(topics, first);
    await eventually(async () => ((await countOf(pool, 'measurements')) === 500 ? true : undefined), 'first rows');

    const second = readings(5, 200, 100);
    const producing = produceMeasurements(topics, second);
    await restartPostgres();
    await producing;
    await eventually(async () => ((await countOf(pool, 'measurements')) === 1500 ? true : undefined), 'rows after the restart', 60000);
    expect(await rawRows(pool)).toEqual(expectedRaw([...first, ...second]));
  });
});
