/**
 * The firmware against the platform's own talking-back path, not a stand-in:
 * a command the commands processor sends goes out through the mqtt-downlink
 * and the stack's broker to the node, and the node's acknowledgement and
 * answer come back through the mqtt-source to the command's status, as they
 * do behind the query API's POST .../commands (the API's leg to Kafka is
 * commands-api.int.test.ts's).
 */
import { componentLogger } from '../lib/logger';
import { downlinkFixture, startDownlink } from '../connectors/mqtt-downlink/downlink.fixture';
import { sourceFixture, startSource } from '../connectors/mqtt-source/source.fixture';
import type { DeviceMessage } from '../schemas/types';
import { start as startCommands } from '../stream-processors/commands';
import { CommandRequester, commandTopics, consumedToEnd, StatusReader } from '../test/commands-fixture';
import { eventually, onCleanup } from '../test/factories';
import { TopicReader } from '../test/topic-reader';
import { flashFor, freshTenant, HostNode, provisionDevice } from './host-node.fixture';

describe('firmware and the platform', () => {
  it('answers a command the commands processor sends it, through the downlink, the broker and the mqtt-source', async () => {
    const tenant = freshTenant();
    const topics = await commandTopics(2);
    const source = await sourceFixture({
      deviceMessagesTopic: topics.deviceMessagesTopic,
      deadLetterTopic: topics.deadLetterTopic,
      topicScheme: 'fleet/{tenant}/{site}/{device}/up',
      deviceTopicRoot: 'fleet/{tenant}/{site}/{device}',
      // this file's tenant only; what the downlink publishes there comes back too, and is dead-lettered as no device's
      subscription: `fleet/${tenant}/#`,
    });
    await startSource(source.options);
    const downlink = await downlinkFixture({ downlinkTopic: topics.downlinkTopic, deadLetterTopic: topics.deadLetterTopic, deviceTopicRoot: 'fleet/{tenant}/{site}/{device}' });
    await startDownlink(downlink.options);
    const processor = await startCommands({ ...topics, instanceId: 'fw', logger: componentLogger('commands-test'), timerInterval: '50ms' });
    onCleanup(() => processor.stop());
    const [requests, statuses, deviceMessages] = await Promise.all([CommandRequester.start(topics), StatusReader.start(topics), TopicReader.start<DeviceMessage>(topics.deviceMessagesTopic)]);

    const device = await provisionDevice({ tenant });
    const node = HostNode.start(await flashFor(device, { interval_s: 30 }));
    await node.waitFor((e) => e.event === 'connected', 'the node connected');
    // the processor knows the node is online once it has read the node's status
    await eventually(() => deviceMessages.records.find((r) => r.key === `${tenant}/site-1/node-1` && r.value.kind === 'status' && r.value.payload.toString() === 'online'), 'the online status in Kafka');
    await consumedToEnd(topics.groupId, topics.deviceMessagesTopic);

    const command = await requests.send(device.address, { name: 'set_interval', params: JSON.stringify({ seconds: 5 }), timeoutMs: 15_000 });
    const done = await eventually(() => {
      const status = statuses.latest.get(command.id);
      return status && ['SUCCEEDED', 'FAILED', 'TIMED_OUT'].includes(status.state) ? status : undefined;
    }, 'the command finished', 30_000);
    expect(done.state).toBe('SUCCEEDED');
    expect(JSON.parse(done.answer!.toString())).toEqual({ interval: 5 });
    expect(statuses.statesOf(command.id)).toEqual(expect.arrayContaining(['SENT', 'ACKED', 'SUCCEEDED']));
    expect(node.named('command').filter((e) => e.id === command.id).map((e) => e.outcome)).toEqual(['executed']);
  });
});
