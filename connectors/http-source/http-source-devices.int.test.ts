/**
 * Devices that talk HTTP: they poll and answer on /v1/ingest/messages and
 * get what the platform has for them from their mailbox in Redis. The test
 * fills mailboxes as the redis-sink does (schemas/redis-keys.ts).
 */
import Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { httpDeviceKey, mailboxChannel, mailboxEntry, mailboxKey } from '../../schemas/redis-keys';
import type { DeadLetter, DeviceMessage } from '../../schemas/types';
import { eventually, onCleanup, testSettings } from '../../test/factories';
import { TopicReader } from '../../test/topic-reader';
import { ingestFixture, provisionDevice, startIngest } from './http-source.fixture';

async function redisClient(): Promise<Redis> {
  const redis = new Redis(testSettings().redisUrl);
  onCleanup(async () => {
    await redis.quit();
  });
  return redis;
}

describe('http-source for devices that talk back', () => {
  it('hands a device its commands until answered and its configuration as long as it stands, waits for them on request, and takes its answers', async () => {
    const fixture = await ingestFixture();
    const prefix = fixture.options.keyPrefix!;
    const { url, source } = await startIngest(fixture.options);
    const messagesUrl = `${url}/messages`;
    const redis = await redisClient();
    const deviceMessages = await TopicReader.start<DeviceMessage>(fixture.options.deviceMessagesTopic!);
    const deadLetters = await TopicReader.start<DeadLetter>(fixture.options.deadLetterTopic!);
    const [a, b] = await Promise.all(['gprs-1', 'gprs-2'].map((device) => provisionDevice(fixture.registry, { tenant: 'acme', site: 'p1', device })));
    const call = async (method: 'GET' | 'POST', query: string, authorization: string, body?: unknown) => {
      const response = await fetch(`${messagesUrl}${query}`, { method, headers: { authorization, ...(body !== undefined && { 'content-type': 'application/json' }) }, body: body === undefined ? undefined : JSON.stringify(body) });
      return { status: response.status, body: (await response.json()) as { downlink?: { subtopic: string; payload: string }[]; reason?: string } };
    };
    /** What the redis-sink does with one DownlinkMessage for device `key`. */
    const deliver = async (key: string, subtopic: string, payload: string, retain: boolean, createdAt: number) => {
      await redis.hset(mailboxKey(prefix, key), subtopic, mailboxEntry({ payload: Buffer.from(payload), retain, expiresAt: null, createdAt }));
      await redis.publish(mailboxChannel(prefix, key), subtopic);
    };

    // a poll: nothing yet; the device is now one that talks HTTP, and online
    expect(await call('GET', '', a!.authorization)).toEqual({ status: 200, body: { downlink: [] } });
    expect(await redis.exists(httpDeviceKey(prefix, 'acme/p1/gprs-1'))).toBe(1);
    await eventually(() => deviceMessages.records.find((r) => r.key === 'acme/p1/gprs-1' && r.value.kind === 'status'), 'the device reported online');
    expect(deviceMessages.records[0]!.value).toMatchObject({ subtopic: 'status', payload: Buffer.from('online'), transport: 'http', sourceTopic: null });

    const id = randomUUID();
    await deliver('acme/p1/gprs-1', 'config', '{"version":1,"sha256":"aa","config":{}}', true, 2);
    await deliver('acme/p1/gprs-1', `cmd/req/${id}/ping`, '{"params":{},"expiresAt":null}', false, 1);
    const pending = [
      { subtopic: `cmd/req/${id}/ping`, payload: '{"params":{},"expiresAt":null}' },
      { subtopic: 'config', payload: '{"version":1,"sha256":"aa","config":{}}' },
    ];
    expect((await call('GET', '', a!.authorization)).body.downlink).toEqual(pending);

    // answered: the request leaves the mailbox, the configuration stays; the answer is in Kafka with the device's identity
    const answer = await call('POST', '', a!.authorization, { messages: [{ subtopic: `cmd/ack/${id}`, payload: {} }, { subtopic: `cmd/res/${id}/succeeded`, payload: { pong: true } }] });
    expect(answer).toEqual({ status: 202, body: { accepted: 2, downlink: [pending[1]] } });
    const result = await eventually(() => deviceMessages.records.find((r) => r.value.kind === 'command_result'), 'the answer in Kafka');
    expect(result).toMatchObject({ key: 'acme/p1/gprs-1', value: { tenant: 'acme', site: 'p1', device: 'gprs-1', subtopic: `cmd/res/${id}/succeeded`, payload: Buffer.from('{"pong":true}'), transport: 'http' } });

    // a device with nothing pending waits for what comes
    await call('GET', '', b!.authorization);
    const started = Date.now();
    const waiting = call('GET', '?wait=10', b!.authorization);
    await eventually(async () => (/ 1$/m.test(await source.metrics.getSingleMetricAsString('http_source_requests_in_flight')) ? true : undefined), 'the poll waiting');
    const other = randomUUID();
    await deliver('acme/p1/gprs-2', `cmd/req/${other}/reboot`, '{"params":{}}', false, 3);
    expect((await waiting).body.downlink).toEqual([{ subtopic: `cmd/req/${other}/reboot`, payload: '{"params":{}}' }]);
    expect(Date.now() - started).toBeLessThan(5000);

    // what is no device answer is refused and dead-lettered
    const refused = await call('POST', '', b!.authorization, { subtopic: 'config', payload: {} });
    expect(refused).toMatchObject({ status: 400, body: { reason: 'unknown_subtopic' } });
    await eventually(() => deadLetters.records.find((r) => r.value.reason === 'unknown_subtopic'), 'the dead letter');
    expect((await call('GET', '?wait=99', b!.authorization)).status).toBe(400);
  });
});
