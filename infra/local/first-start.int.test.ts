/**
 * `make demo` on a machine where nothing ran before: every component starts at
 * the same moment and registers the same subjects, none of which the registry
 * has seen (the first run failed with "An artifact with ID
 * 'fleet.deadletter.v1-value' ... already exists" and "A rule named
 * 'COMPATIBILITY' already exists"). Fresh topic names make the subjects new.
 */
import { start as startMqttSource } from '../../connectors/mqtt-source';
import { sourceFixture } from '../../connectors/mqtt-source/source.fixture';
import { start as startRedisSink } from '../../connectors/redis-sink';
import { sinkOptions as redisSinkOptions } from '../../connectors/redis-sink/redis-sink.fixture';
import { start as startTimescaleSink } from '../../connectors/timescale-sink';
import { freshSchema, sinkOptions as timescaleSinkOptions } from '../../connectors/timescale-sink/timescale-sink.fixture';
import type { RunningComponent } from '../../lib/component';
import { start as startRollups } from '../../stream-processors/rollups';
import { rollupsFixture } from '../../stream-processors/rollups/rollups.fixture';
import { capturingLogger } from '../../test/capturing-logger';
import { freshGroupId, freshKeyPrefix, onCleanup } from '../../test/factories';
import type { SinkTopics } from '../../test/sink-records';

describe('the first start of the pipeline', () => {
  it('starts every component at once against subjects the registry has never seen, none failing or retrying its registration', async () => {
    const rollups = await rollupsFixture({ resolutions: ['1m', '1h'] });
    const { measurementsTopic, deadLetterTopic } = rollups.options;
    const source = await sourceFixture({ measurementsTopic, deadLetterTopic });
    // the sinks' options read only the topic names; the codecs SinkTopics also holds would register the subjects
    const names: Pick<SinkTopics, 'measurements' | 'rollups' | 'deadLetter'> = { measurements: measurementsTopic, deadLetter: deadLetterTopic, rollups: { '1m': rollups.rollupTopic('1m'), '1h': rollups.rollupTopic('1h') } };
    const topics = names as SinkTopics;
    const { schema } = await freshSchema();
    const timescaleOptions = timescaleSinkOptions(topics, schema, freshGroupId());
    const redisOptions = redisSinkOptions(topics, freshKeyPrefix(), freshGroupId());
    const logs = ['mqtt-source', 'rollups', 'timescale-sink', 'redis-sink'].map(capturingLogger);

    const started = await Promise.allSettled([
      startMqttSource({ ...source.options, logger: logs[0]!.logger }),
      startRollups({ ...rollups.options, logger: logs[1]!.logger }),
      startTimescaleSink(timescaleOptions, logs[2]!.logger),
      startRedisSink(redisOptions, logs[3]!.logger),
    ]);
    for (const s of started) if (s.status === 'fulfilled') onCleanup(() => (s.value as RunningComponent).stop());

    expect(started.filter((s) => s.status === 'rejected')).toEqual([]);
    const retried = logs.flatMap((log) => log.events().filter((e) => e.event === 'retrying' && e.what === 'schema registration'));
    expect(retried).toEqual([]);
  });
});
