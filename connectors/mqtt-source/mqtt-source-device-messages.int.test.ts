/**
 * What devices publish besides readings (issue 16): the subtopics under a
 * device's topic root become DeviceMessage records keyed by device, through the
 * connector's own default subscriptions; the rest is dead-lettered.
 */
import { randomUUID } from 'node:crypto';
import type { DeviceMessage } from '../../schemas/types';
import { TopicReader } from '../../test/topic-reader';
import { devicePublisher, sourceFixture, startSource } from './source.fixture';

type Decoded = Omit<DeviceMessage, 'receivedAt'> & { receivedAt: unknown };
type Letter = { source: string; reason: string; message: string; payload: Buffer; sourceTopic: string };

describe('mqtt-source device messages', () => {
  it("turns each device subtopic into a DeviceMessage keyed by the topic's device, its bytes unchanged, readings beside them as before", async () => {
    // no `subscription`: the connector's own filters, the scheme's and the device subtopics'
    // one connection: the device's messages arrive in the order it sent them
    const fixture = await sourceFixture({ subscription: undefined, connections: 1 });
    const source = await startSource(fixture.options);
    const messages = await TopicReader.start<Decoded>(fixture.options.deviceMessagesTopic!);
    const measurements = await TopicReader.start<{ path: string }>(fixture.options.measurementsTopic!);
    const device = await devicePublisher();
    const id = randomUUID();
    const at = (subtopic: string) => fixture.deviceSubtopic('acme', 'plant1', 'meter7', subtopic);
    const sent: [string, DeviceMessage['kind'], string][] = [
      [`cmd/ack/${id}`, 'command_ack', ''],
      [`cmd/res/${id}/succeeded`, 'command_result', '{"uptime": 12}'],
      // the payload names another device: the topic's device is the one
      ['shadow/update', 'shadow_request', '{"state":{"reported":{"led":"on"}},"device":"someone-else"}'],
      ['shadow/get', 'shadow_request', ''],
      ['config/ack', 'config_ack', '{"version":3,"sha256":"ab","status":"applied"}'],
      ['status', 'status', 'online'],
    ];
    for (const [subtopic, , payload] of sent) await device.publishAsync(at(subtopic), payload, { qos: 1 });
    await device.publishAsync(fixture.deviceTopic('acme', 'plant1', 'meter7'), JSON.stringify({ metric: 't', value: 1 }), { qos: 1 });

    const records = await messages.waitFor(sent.length);
    expect(records.map((r) => [r.value.subtopic, r.value.kind, Buffer.from(r.value.payload).toString()])).toEqual(sent);
    for (const record of records) {
      expect(record.key).toBe('acme/plant1/meter7');
      expect(record.value).toMatchObject({ tenant: 'acme', site: 'plant1', device: 'meter7', transport: 'mqtt', sourceTopic: at(record.value.subtopic) });
      expect(Number(record.value.receivedAt instanceof Date ? record.value.receivedAt.getTime() : record.value.receivedAt)).toBeGreaterThan(Date.now() - 60_000);
    }
    const [reading] = await measurements.waitFor(1);
    expect(reading?.key).toBe('/acme/plant1/meter7/t');
    const counted = await source.metrics.getSingleMetricAsString('mqtt_source_device_messages_produced_total');
    expect(counted).toMatch(/kind="shadow_request",component="mqtt-source"\} 2/);
    expect(counted).toMatch(/kind="status",component="mqtt-source"\} 1/);
  });

  it('dead-letters an unknown subtopic under the root and a device message over maxDeviceMessageBytes, and the next good one still flows', async () => {
    const fixture = await sourceFixture({ subscription: undefined, maxPayloadBytes: 1024, maxDeviceMessageBytes: 4096, connections: 1 });
    await startSource(fixture.options);
    const messages = await TopicReader.start<Decoded>(fixture.options.deviceMessagesTopic!);
    const deadLetters = await TopicReader.start<Letter>(fixture.options.deadLetterTopic!);
    const device = await devicePublisher();
    const at = (subtopic: string) => fixture.deviceSubtopic('acme', 'plant1', 'meter7', subtopic);
    const id = randomUUID();

    const bad: [string, string, string][] = [
      ['unknown_subtopic', at('cmd/ack/not-a-uuid'), ''],
      ['unknown_subtopic', at(`cmd/res/${id}/maybe`), 'x'],
      ['payload_too_large', at('shadow/update'), JSON.stringify({ state: { reported: { blob: 'x'.repeat(5000) } } })],
    ];
    for (const [, topic, payload] of bad) await device.publishAsync(topic, payload, { qos: 1 });
    // larger than a reading may be, within a device message's limit
    const shadow = JSON.stringify({ state: { reported: { blob: 'y'.repeat(2000) } } });
    await device.publishAsync(at('shadow/update'), shadow, { qos: 1 });
    await device.publishAsync(at(`cmd/ack/${id}`), '', { qos: 1 });

    const letters = await deadLetters.waitFor(bad.length);
    expect(letters.map((l) => [l.value.reason, l.value.sourceTopic, Buffer.from(l.value.payload).toString()])).toEqual(bad);
    expect(letters.every((l) => l.value.source === 'mqtt-source' && l.headers['fleet-reason'] === l.value.reason)).toBe(true);
    expect(letters[2]!.value.message).toContain('maxDeviceMessageBytes (4096)');
    const records = await messages.waitFor(2);
    expect(records.map((r) => [r.value.subtopic, Buffer.from(r.value.payload).toString()])).toEqual([['shadow/update', shadow], [`cmd/ack/${id}`, '']]);
  });

  it("holds device messages to the device's rate with its readings: the chatty device's excess dead-lettered, another device untouched", async () => {
    // one connection: a device's messages arrive in the order it sent them
    const fixture = await sourceFixture({ subscription: undefined, deviceRate: 0.001, deviceBurst: 3, connections: 1 });
    await startSource(fixture.options);
    const messages = await TopicReader.start<Decoded>(fixture.options.deviceMessagesTopic!);
    const deadLetters = await TopicReader.start<Letter>(fixture.options.deadLetterTopic!);
    const device = await devicePublisher();
    const chattyStatus = fixture.deviceSubtopic('acme', 'plant1', 'chatty', 'status');

    await device.publishAsync(fixture.deviceTopic('acme', 'plant1', 'chatty'), JSON.stringify({ metric: 't', value: 1 }), { qos: 1 });
    await device.publishAsync(fixture.deviceTopic('acme', 'plant1', 'chatty'), JSON.stringify({ metric: 't', value: 2 }), { qos: 1 });
    for (const status of ['online', 'offline', 'online']) await device.publishAsync(chattyStatus, status, { qos: 1 });
    await device.publishAsync(fixture.deviceSubtopic('acme', 'plant1', 'quiet', 'status'), 'online', { qos: 1 });

    const letters = await deadLetters.waitFor(2);
    expect(letters.map((l) => [l.value.reason, l.value.sourceTopic, Buffer.from(l.value.payload).toString()])).toEqual([
      ['rate_limited', chattyStatus, 'offline'],
      ['rate_limited', chattyStatus, 'online'],
    ]);
    const records = await messages.waitFor(2);
    expect(records.map((r) => [r.key, Buffer.from(r.value.payload).toString()])).toEqual([
      ['acme/plant1/chatty', 'online'],
      ['acme/plant1/quiet', 'online'],
    ]);
  });
});
