/** The HTTP devices' mailboxes the redis-sink keeps from fleet.downlink.v1 (schemas/redis-keys.ts). */
import { AvroCodec } from '../../schemas/avro-codec';
import { avroSchemas, valueSubject } from '../../schemas/avro-schemas';
import { httpDeviceKey, mailboxChannel, mailboxKey, parseMailboxEntry } from '../../schemas/redis-keys';
import { createRegistryClient } from '../../schemas/registry-client';
import type { DownlinkMessage } from '../../schemas/types';
import { eventually, freshGroupId, freshTopic, testSettings } from '../../test/factories';
import { client, freshResources, sinkOptions, startSink } from './redis-sink.fixture';

const device = { tenant: 'acme', site: 'plant-1', device: 'gprs-7' };
const key = 'acme/plant-1/gprs-7';
const id = '3f1c2a4e-9b7d-4e2f-8a61-0c5d9e7b1a23';

function downlink(subtopic: string, payload: string, retain: boolean): DownlinkMessage {
  return { ...device, subtopic, payload: Buffer.from(payload), retain, qos: 1, expiresAt: retain ? null : 1_900_000_000_000, origin: 'test', createdAt: 1_800_000_000_000 };
}

describe('redis-sink mailboxes', () => {
  it('keeps retained messages per subtopic, clears one on an empty payload, keeps commands only for HTTP devices, and notifies each change', async () => {
    const { redis, prefix, topics } = await freshResources();
    const downlinkTopic = await freshTopic({ prefix: 'test.downlink' });
    const codec = new AvroCodec<DownlinkMessage>(createRegistryClient(testSettings().schemaRegistryUrl), valueSubject(downlinkTopic), avroSchemas.DownlinkMessage);
    await codec.register();
    const subscriber = client();
    const notified: string[] = [];
    subscriber.on('message', (_channel: string, subtopic: string) => notified.push(subtopic));
    await subscriber.subscribe(mailboxChannel(prefix, key));
    await startSink({ ...sinkOptions(topics, prefix, freshGroupId()), downlinkTopic });
    const send = (...messages: DownlinkMessage[]) => topics.producer.send({ topic: downlinkTopic, acks: -1, messages: messages.map((m) => ({ key, value: codec.encode(m) })) });

    // an MQTT device (no http-device marker): its commands stay out, its retained config is kept
    await send(downlink(`cmd/req/${id}/ping`, '{"params":{}}', false), downlink('config', '{"version":1,"sha256":"aa","config":{}}', true));
    await eventually(async () => ((await redis.hlen(mailboxKey(prefix, key))) === 1 ? true : undefined), 'the config in the mailbox');
    expect(Object.keys(await redis.hgetall(mailboxKey(prefix, key)))).toEqual(['config']);

    await redis.set(httpDeviceKey(prefix, key), '1', 'EX', 60);
    await send(downlink(`cmd/req/${id}/ping`, '{"params":{}}', false), downlink('config', '', true), downlink('shadow/update/delta', '{"state":{"led":"on"},"version":2}', true));
    const mailbox = await eventually(async () => {
      const fields = await redis.hgetall(mailboxKey(prefix, key));
      return Object.keys(fields).sort().join() === `cmd/req/${id}/ping,shadow/update/delta` ? fields : undefined;
    }, 'the command and the delta, the config cleared');
    expect(parseMailboxEntry(mailbox[`cmd/req/${id}/ping`]!)).toEqual({ payload: '{"params":{}}', retain: false, expiresAt: 1_900_000_000_000, createdAt: 1_800_000_000_000 });
    expect(await redis.pttl(mailboxKey(prefix, key))).toBeGreaterThan(6 * 24 * 3600 * 1000);
    await eventually(() => (notified.length === 4 ? true : undefined), 'a notification per change');
    expect(notified).toEqual(['config', `cmd/req/${id}/ping`, 'config', 'shadow/update/delta']);
  });
});
