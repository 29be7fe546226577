import type { Measurement } from '../../schemas/types';
import { spawnComponent } from '../../test/cli-process';
import { eventually } from '../../test/factories';
import { TopicReader } from '../../test/topic-reader';
import { componentEnvironment } from '../../test/component-environment';
import { devicePublisher, publishSequence, sourceFixture } from './source.fixture';

const key = (m: Pick<Measurement, 'path'> & { timestamp: unknown }) => `${m.path}@${m.timestamp instanceof Date ? m.timestamp.getTime() : Number(m.timestamp)}`;

describe('mqtt-source killed with SIGKILL mid-stream', () => {
  it('loses no QoS 1 reading: after a restart every (path, ts) is in Kafka', async () => {
    // 32 persistent sessions share the stream, so the broker's queue per session (Mosquitto's default is 1000) holds the outage
    const fixture = await sourceFixture({ connections: 32 });
    // as start(options) in-process: MQTT_URL's account, not the stack's connector account (its rights cover fleet/..., not the fixture's topics)
    const env = { ...componentEnvironment('mqtt-source', fixture.options), MQTT_USERNAME: undefined, MQTT_PASSWORD: undefined };
    const reader = await TopicReader.start<Measurement>(fixture.options.measurementsTopic!);
    let connector = spawnComponent('mqtt-source', env);
    await eventually(() => (connector.output().includes('"event":"mqtt_subscribed"') ? true : undefined), 'the connector to subscribe');

    const device = await devicePublisher();
    const published = publishSequence(device, fixture, { count: 10_000, devices: 20, baseTs: Date.now() - 3_600_000, window: 50 });
    await eventually(() => (reader.records.length >= 3000 ? true : undefined), '3000 records before the kill', 60_000);
    expect(await connector.kill('SIGKILL')).toBe('SIGKILL');
    const seenAtKill = reader.records.length;

    connector = spawnComponent('mqtt-source', env);
    const keys = await published;
    await eventually(() => {
      const seen = new Set(reader.records.map((r) => key(r.value)));
      return [...keys].every((k) => seen.has(k)) ? true : undefined;
    }, 'every published (path, ts) in Kafka', 90_000, 250);
    expect(seenAtKill).toBeLessThan(10_000);
    expect(new Set(reader.records.map((r) => key(r.value))).size).toBe(10_000);
    expect(await connector.kill('SIGTERM')).toBe(0);
  }, 180_000);
});
