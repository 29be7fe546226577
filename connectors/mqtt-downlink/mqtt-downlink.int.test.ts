/**
 * The MQTT downlink against the stack's Kafka and broker: what is produced to
 * the downlink topic reaches a subscriber on the device's topic, retained when
 * asked; expired messages are not published; bad records are dead-lettered.
 */
import { randomUUID } from 'node:crypto';
import { eventually } from '../../test/factories';
import { TopicReader } from '../../test/topic-reader';
import { downlinkFixture, startDownlink, subscriber } from './downlink.fixture';

type Letter = { source: string; reason: string; message: string; payload: Buffer; sourceTopic: string };

describe('mqtt-downlink', () => {
  it("publishes a DownlinkMessage to the device's topic with its QoS and expiry, retained when asked, and an empty retained one clears it", async () => {
    const fixture = await downlinkFixture();
    const downlink = await startDownlink(fixture.options);
    const base = fixture.base('meter7');
    const device = await subscriber([`${base}/cmd/req/#`, `${base}/config`]);
    const id = randomUUID();

    await fixture.produce([
      fixture.message('meter7', { subtopic: `cmd/req/${id}/reboot`, payload: Buffer.from('{"delay":5}'), expiresAt: Date.now() + 60_000 }),
      fixture.message('meter7', { subtopic: 'config', payload: Buffer.from('{"version":1}'), retain: true }),
    ]);
    await eventually(() => (device.received.length >= 2 ? true : undefined), 'the command and the configuration at the device');
    const [command, config] = device.received;
    expect(command).toMatchObject({ topic: `${base}/cmd/req/${id}/reboot`, payload: '{"delay":5}', packet: { qos: 1 } });
    expect(command!.packet.properties?.messageExpiryInterval).toBeGreaterThan(0);
    expect(command!.packet.properties?.messageExpiryInterval).toBeLessThanOrEqual(60);
    expect(config).toMatchObject({ topic: `${base}/config`, payload: '{"version":1}' });
    expect(config!.packet.properties?.messageExpiryInterval).toBeUndefined();

    // a device subscribing later gets the retained configuration
    const later = await subscriber([`${base}/config`]);
    await eventually(() => (later.received.length >= 1 ? true : undefined), 'the retained configuration');
    expect(later.received).toMatchObject([{ topic: `${base}/config`, payload: '{"version":1}', retain: true }]);

    // cleared, then a retained delta after it: one device's messages go out in order, so once the delta is retained the clear was done
    await fixture.produce([
      fixture.message('meter7', { subtopic: 'config', payload: Buffer.alloc(0), retain: true }),
      fixture.message('meter7', { subtopic: 'shadow/update/delta', payload: Buffer.from('{"version":2}'), retain: true }),
    ]);
    await eventually(() => (device.received.length >= 3 ? true : undefined), 'the clearing message at the live subscriber');
    const fresh = await subscriber([`${base}/config`, `${base}/shadow/update/delta`]);
    await eventually(() => (fresh.received.length >= 1 ? true : undefined), 'the retained delta');
    expect(fresh.received.map((r) => [r.topic, r.payload, r.retain])).toEqual([[`${base}/shadow/update/delta`, '{"version":2}', true]]);

    expect(await downlink.metrics.getSingleMetricAsString('mqtt_downlink_published_total')).toMatch(/qos="1",retain="true",component="mqtt-downlink"\} 3/);
    expect(downlink.ready()).toBe(true);
  });

  it("keeps each device's messages in order across many, on every partition at once, and the retained delta ends at the last version", async () => {
    const fixture = await downlinkFixture();
    await startDownlink(fixture.options);
    const devices = ['d0', 'd1', 'd2', 'd3', 'd4'];
    const device = await subscriber(devices.map((d) => `${fixture.base(d)}/shadow/update/delta`));
    const versions = 300;
    // interleaved, in sends of 150, so batches hold several devices and a device spans batches
    const messages = Array.from({ length: versions * devices.length }, (_, i) =>
      fixture.message(devices[i % devices.length]!, { subtopic: 'shadow/update/delta', payload: Buffer.from(String(Math.floor(i / devices.length))), retain: true }),
    );
    for (let i = 0; i < messages.length; i += 150) await fixture.produce(messages.slice(i, i + 150));

    await eventually(() => (device.received.length >= messages.length ? true : undefined), `${messages.length} deltas at the subscriber`, 60_000);
    for (const d of devices) {
      const seen = device.received.filter((r) => r.topic === `${fixture.base(d)}/shadow/update/delta`).map((r) => Number(r.payload));
      expect(seen).toEqual(Array.from({ length: versions }, (_, v) => v));
    }
    const later = await subscriber([`${fixture.base('d0')}/shadow/update/delta`]);
    await eventually(() => (later.received.length >= 1 ? true : undefined), 'the retained delta');
    expect(later.received.map((r) => [r.payload, r.retain])).toEqual([[String(versions - 1), true]]);
  });

  it('does not publish a message already expired, counts it, and publishes the next', async () => {
    const fixture = await downlinkFixture();
    const downlink = await startDownlink(fixture.options);
    const base = fixture.base('meter7');
    const device = await subscriber([`${base}/cmd/req/#`]);
    const [stale, fresh] = [randomUUID(), randomUUID()];

    await fixture.produce([
      fixture.message('meter7', { subtopic: `cmd/req/${stale}/reboot`, expiresAt: Date.now() - 1000 }),
      fixture.message('meter7', { subtopic: `cmd/req/${fresh}/reboot`, expiresAt: Date.now() + 60_000 }),
    ]);
    await eventually(() => (device.received.length >= 1 ? true : undefined), 'the command that has not expired');
    expect(device.received.map((r) => r.topic)).toEqual([`${base}/cmd/req/${fresh}/reboot`]);
    expect(await downlink.metrics.getSingleMetricAsString('mqtt_downlink_expired_total')).toMatch(/ 1$/m);
  });

  it('dead-letters an undecodable record, a bad device segment, a subtopic not the platform\'s, an oversized payload and a record keyed by another device, and keeps publishing', async () => {
    const fixture = await downlinkFixture({ maxPayloadBytes: 1024 });
    const downlink = await startDownlink(fixture.options);
    const deadLetters = await TopicReader.start<Letter>(fixture.options.deadLetterTopic!);
    const base = fixture.base('meter7');
    const device = await subscriber([`${base}/config`]);

    await fixture.produce([
      { key: 'acme/plant1/meter7', raw: Buffer.from('not avro at all') },
      fixture.message('bad device', { subtopic: 'config' }),
      fixture.message('meter7', { subtopic: 'status' }),
      fixture.message('meter7', { subtopic: 'config', payload: Buffer.alloc(2000) }),
      { key: 'acme/plant1/other', message: fixture.message('meter7', { subtopic: 'config' }) },
      fixture.message('meter7', { subtopic: 'config', payload: Buffer.from('still serving') }),
    ]);

    const letters = await deadLetters.waitFor(5);
    expect(letters.map((l) => l.value.reason).sort()).toEqual(['invalid_downlink', 'invalid_downlink', 'invalid_downlink', 'payload_too_large', 'undecodable']);
    expect(letters.every((l) => l.value.source === 'mqtt-downlink' && l.value.sourceTopic === fixture.options.downlinkTopic)).toBe(true);
    expect(Buffer.from(letters.find((l) => l.value.reason === 'undecodable')!.value.payload).toString()).toBe('not avro at all');
    await eventually(() => (device.received.some((r) => r.payload === 'still serving') ? true : undefined), 'the good message after the bad ones');
    expect(await downlink.metrics.getSingleMetricAsString('mqtt_downlink_dead_lettered_total')).toMatch(/reason="invalid_downlink",component="mqtt-downlink"\} 3/);
  });
});
