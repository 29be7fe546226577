import type { Measurement } from '../../schemas/types';
import { eventually } from '../../test/factories';
import { startStack, stopKafka } from '../../test/local-stack';
import { TopicReader } from '../../test/topic-reader';
import { devicePublisher, publishSequence, sourceFixture, startSource } from './source.fixture';

const key = (m: Pick<Measurement, 'path'> & { timestamp: unknown }) => `${m.path}@${m.timestamp instanceof Date ? m.timestamp.getTime() : Number(m.timestamp)}`;
const outageMs = 12_000;
const COUNT = 7_500;

describe('mqtt-source while Kafka is down', () => {
  it('stops acknowledging, and when Kafka is back everything flows: nothing lost', async () => {
    // 32 sessions share what the broker queues during the outage (a default Mosquitto queues 1000 messages per session)
    const fixture = await sourceFixture({ connections: 32, inFlightPerConnection: 1 });
    const source = await startSource(fixture.options);
    const reader = await TopicReader.start<Measurement>(fixture.options.measurementsTopic!);
    const device = await devicePublisher();

    // ~250 readings/s for the whole scenario: before, during and after the outage
    const published = publishSequence(device, fixture, { count: COUNT, devices: 20, baseTs: Date.now() - 3_600_000, window: 10, ratePerSecond: 250 });
    await eventually(() => (reader.records.length >= 500 ? true : undefined), 'records flowing before the outage');

    await stopKafka();
    const outageStart = Date.now();
    await eventually(() => (source.ready() ? undefined : true), 'the connector to notice Kafka is gone', 30_000, 100);
    const inFlight = await eventually(async () => {
      const text = await source.metrics.getSingleMetricAsString('mqtt_source_messages_in_flight');
      const n = Number(/ (\d+)$/m.exec(text)?.[1]);
      return n > 0 ? n : undefined;
    }, 'messages held un-acknowledged');
    expect(inFlight).toBeLessThanOrEqual(32 * 1); // bounded memory: connections x inFlightPerConnection
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, outageMs - (Date.now() - outageStart))));
    await startStack();

    const keys = await published;
    await eventually(() => {
      const seen = new Set(reader.records.map((r) => key(r.value)));
      return [...keys].every((k) => seen.has(k)) ? true : undefined;
    }, 'every published (path, ts) in Kafka', 120_000, 500);
    expect(new Set(reader.records.map((r) => key(r.value))).size).toBe(COUNT);
    await eventually(() => (source.ready() ? true : undefined), 'the connector to be ready again');
  }, 240_000);
});
