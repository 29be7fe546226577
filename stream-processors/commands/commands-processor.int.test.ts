/**
 * The commands processor against real Kafka, in this process: the test
 * writes command requests as the API does and plays the devices (their
 * presence, acks and answers) and reads the status topic and the downlink.
 */
import { CommandRequester, commandTopics, DevicePlayer, StatusReader, type CommandTopics } from '../../test/commands-fixture';
import { eventually, onCleanup } from '../../test/factories';
import { TopicReader } from '../../test/topic-reader';
import { componentLogger } from '../../lib/logger';
import type { DeadLetter } from '../../schemas/types';
import { start } from './index';

let topics: CommandTopics;
let devices: DevicePlayer;
let requests: CommandRequester;
let statuses: StatusReader;
const logger = componentLogger('commands-test');
const device = (name: string) => ({ tenant: 'acme', site: 'plant1', device: name });

const finalOf = (id: string) => eventually(() => {
  const status = statuses.latest.get(id);
  return status && ['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'EXPIRED', 'CANCELED'].includes(status.state) ? status : undefined;
}, `a final status of ${id}`, 30_000);

beforeAll(async () => {
  topics = await commandTopics(2);
  const processor = await start({ ...topics, instanceId: 'a', logger, timerInterval: '20ms' });
  onCleanup(() => processor.stop());
  [devices, requests, statuses] = await Promise.all([DevicePlayer.start(topics), CommandRequester.start(topics), StatusReader.start(topics)]);
});

describe('the commands processor', () => {
  it('sends a command to an online device once and records its ack and answer', async () => {
    const pump = device('pump1');
    await devices.presence(pump, 'online');
    const request = await requests.send(pump, { name: 'set-interval', params: '{"seconds":30}' });
    const status = await finalOf(request.id);
    expect(status).toMatchObject({ state: 'SUCCEEDED', reason: null, tenant: 'acme', device: 'pump1', name: 'set-interval', answer: Buffer.from('{"ok":true}') });
    expect(statuses.statesOf(request.id)).toEqual(['SENT', 'ACKED', 'SUCCEEDED']);
    const [sent] = devices.requestsOf(request.id);
    expect(devices.requestsOf(request.id)).toHaveLength(1);
    expect(sent!.message).toMatchObject({ subtopic: `cmd/req/${request.id}/set-interval`, qos: 1, retain: false, origin: 'commands', expiresAt: status.sentAt! + 5000 });
    expect(sent!.body).toEqual({ params: { seconds: 30 }, expiresAt: status.sentAt! + 5000 });
  });

  it('fails a command to an offline device at once, unless persistent: then it is sent when the device comes online', async () => {
    const meter = device('meter1');
    await devices.presence(meter, 'offline');
    devices.answerWith(() => ({ status: 'succeeded', body: 'done' }));
    const now = await requests.send(meter);
    expect(await finalOf(now.id)).toMatchObject({ state: 'FAILED', reason: 'offline', sentAt: null });
    const later = await requests.send(meter, { persistent: true, ttlSeconds: 60 });
    await eventually(() => (statuses.latest.get(later.id)?.state === 'QUEUED' ? true : undefined), 'the persistent command queued');
    expect(devices.requestsOf(later.id)).toEqual([]);
    await devices.presence(meter, 'online');
    expect(await finalOf(later.id)).toMatchObject({ state: 'SUCCEEDED', answer: Buffer.from('done') });
    expect(statuses.statesOf(later.id)).toEqual(['QUEUED', 'SENT', 'SUCCEEDED']);
  });

  it('times a command out when the device does not answer within its timeout', async () => {
    const valve = device('valve1');
    await devices.presence(valve, 'online');
    devices.answerWith(() => undefined);
    const request = await requests.send(valve, { timeoutMs: 300 });
    const status = await finalOf(request.id);
    expect(status).toMatchObject({ state: 'TIMED_OUT', reason: 'timeout' });
    expect(status.finishedAt! - status.sentAt!).toBeGreaterThanOrEqual(300);
    // a late answer changes nothing
    await devices.answer(valve, request.id, 'succeeded', 'late');
    const next = await requests.send(valve, { timeoutMs: 300 });
    await finalOf(next.id);
    expect(statuses.latest.get(request.id)?.state).toBe('TIMED_OUT');
  });

  it('dead-letters a record it cannot decode and goes on', async () => {
    const deadLetters = await TopicReader.start<DeadLetter>(topics.deadLetterTopic);
    await requests.raw('acme/plant1/pump1', Buffer.from('not avro'));
    const [letter] = await deadLetters.waitFor(1);
    expect(letter!.value).toMatchObject({ source: 'commands', reason: 'undecodable', sourceTopic: topics.commandsTopic });
    devices.answerWith(() => ({ status: 'failed', body: 'busy' }));
    const request = await requests.send(device('pump1'));
    expect(await finalOf(request.id)).toMatchObject({ state: 'FAILED', reason: null, answer: Buffer.from('busy') });
  });
});
