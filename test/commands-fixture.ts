/**
 * Fresh topics for the commands processor and the API under test, and a
 * stand-in for what does not run in these tests: the devices and the
 * mqtt-downlink. A `DevicePlayer` reads the cmd/req messages of the downlink
 * topic (read_committed, as the mqtt-downlink does) and answers as a device
 * would, producing DeviceMessages as the mqtt-source does.
 */
import { randomUUID } from 'node:crypto';
import type { Consumer, Producer } from 'kafkajs';
import { producerDefaults } from '../lib/kafka';
import { AvroCodec } from '../schemas/avro-codec';
import { avroSchemas, valueSubject } from '../schemas/avro-schemas';
import { deviceKey, type CommandResultStatus } from '../schemas/device-topics';
import { createRegistryClient } from '../schemas/registry-client';
import type { DeviceAddress } from '../schemas/series-path';
import { topicNames } from '../schemas/topics';
import type { CommandRequest, CommandStatus, DeviceMessage, DownlinkMessage } from '../schemas/types';
import { cleanupTopics, eventually, freshGroupId, freshTopic, onCleanup, testKafka, testSettings, uniqueName } from './factories';

export interface CommandTopics {
  kafkaBrokers: string[];
  schemaRegistryUrl: string;
  commandsTopic: string;
  deviceMessagesTopic: string;
  downlinkTopic: string;
  commandStatusTopic: string;
  deadLetterTopic: string;
  groupId: string;
}

/** The processor's topics, fresh, with `partitions` each (the status topic compacted as the catalogue has it). */
export async function commandTopics(partitions = 2): Promise<CommandTopics> {
  const settings = testSettings();
  const groupId = uniqueName('test-commands');
  const topics: CommandTopics = {
    kafkaBrokers: settings.kafkaBrokers,
    schemaRegistryUrl: settings.schemaRegistryUrl,
    commandsTopic: await freshTopic({ prefix: 'test.commands', partitions }),
    deviceMessagesTopic: await freshTopic({ prefix: 'test.device-messages', partitions }),
    downlinkTopic: await freshTopic({ prefix: 'test.downlink', partitions }),
    commandStatusTopic: await freshTopic({ prefix: 'test.command-status', partitions, config: { 'cleanup.policy': 'compact' } }),
    deadLetterTopic: await freshTopic({ prefix: 'test.deadletter' }),
    groupId,
  };
  cleanupTopics([topicNames.commandState(groupId)]);
  return topics;
}

/** A cmd/req as a device receives it. */
export interface ReceivedCommand {
  device: DeviceAddress;
  id: string;
  name: string;
  body: { params: Record<string, unknown>; expiresAt: number | null };
  message: DownlinkMessage;
}

/** How a played device answers a command: its ack and answer, or nothing (it does not answer). */
export type DeviceBehaviour = (command: ReceivedCommand) => { ack?: boolean; status?: CommandResultStatus; body?: string } | undefined | Promise<{ ack?: boolean; status?: CommandResultStatus; body?: string } | undefined>;

/** Publishes what devices publish (as the mqtt-source forwards it) and answers their commands. */
export class DevicePlayer {
  /** every cmd/req read, committed, in order */
  readonly received: ReceivedCommand[] = [];
  private behaviour: DeviceBehaviour = () => ({ ack: true, status: 'succeeded', body: '{"ok":true}' });

  private constructor(
    private readonly topics: CommandTopics,
    private readonly producer: Producer,
    private readonly codec: AvroCodec<DeviceMessage>,
  ) {}

  static async start(topics: CommandTopics): Promise<DevicePlayer> {
    const registry = createRegistryClient(topics.schemaRegistryUrl);
    const codec = new AvroCodec<DeviceMessage>(registry, valueSubject(topics.deviceMessagesTopic), avroSchemas.DeviceMessage);
    await codec.register();
    const producer = testKafka().producer({ ...producerDefaults, idempotent: true });
    await producer.connect();
    onCleanup(() => producer.disconnect());
    const player = new DevicePlayer(topics, producer, codec);
    const downlinkCodec = new AvroCodec<DownlinkMessage>(registry, valueSubject(topics.downlinkTopic), avroSchemas.DownlinkMessage);
    const consumer: Consumer = testKafka().consumer({ groupId: freshGroupId(), maxWaitTimeInMs: 50, readUncommitted: false });
    await consumer.connect();
    onCleanup(() => consumer.disconnect());
    await consumer.subscribe({ topic: topics.downlinkTopic, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => player.take(await downlinkCodec.decode(message.value!)) });
    return player;
  }

  /** From now on, commands are answered so. */
  answerWith(behaviour: DeviceBehaviour): void {
    this.behaviour = behaviour;
  }

  /**
   * Publishes the device's status and waits until the processor's group has consumed it: the processor
   * reads it and the command requests from two topics, fetched independently, so a request written
   * right after a status could otherwise be applied first.
   */
  async presence(device: DeviceAddress, status: 'online' | 'offline'): Promise<void> {
    await this.publish(device, 'status', 'status', status);
    await consumedToEnd(this.topics.groupId, this.topics.deviceMessagesTopic);
  }

  async ack(device: DeviceAddress, id: string): Promise<void> {
    await this.publish(device, 'command_ack', `cmd/ack/${id}`, '');
  }

  async answer(device: DeviceAddress, id: string, status: CommandResultStatus, body: string): Promise<void> {
    await this.publish(device, 'command_result', `cmd/res/${id}/${status}`, body);
  }

  /** The cmd/req messages read for command `id`. */
  requestsOf(id: string): ReceivedCommand[] {
    return this.received.filter((r) => r.id === id);
  }

  private async take(message: DownlinkMessage): Promise<void> {
    const [cmd, req, id, name] = message.subtopic.split('/');
    if (cmd !== 'cmd' || req !== 'req' || !id || !name) return;
    const device = { tenant: message.tenant, site: message.site, device: message.device };
    const command: ReceivedCommand = { device, id, name, body: JSON.parse(message.payload.toString()) as ReceivedCommand['body'], message };
    this.received.push(command);
    const answer = await this.behaviour(command);
    if (answer?.ack) await this.ack(device, id);
    if (answer?.status) await this.answer(device, id, answer.status, answer.body ?? '');
  }

  private async publish(device: DeviceAddress, kind: DeviceMessage['kind'], subtopic: string, payload: string): Promise<void> {
    const message: DeviceMessage = { ...device, kind, subtopic, payload: Buffer.from(payload), receivedAt: Date.now(), transport: 'mqtt', sourceTopic: `fleet/${deviceKey(device)}/${subtopic}` };
    await this.producer.send({ topic: this.topics.deviceMessagesTopic, acks: -1, messages: [{ key: deviceKey(device), value: this.codec.encode(message) }] });
  }
}

/** Waits until consumer group `groupId` has committed offsets at the end of every partition of `topic`. */
export async function consumedToEnd(groupId: string, topic: string, timeoutMs = 60_000): Promise<void> {
  const admin = testKafka().admin();
  await admin.connect();
  try {
    const ends = await admin.fetchTopicOffsets(topic);
    await eventually(async () => {
      const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
      const at = new Map(committed!.partitions.map((p) => [p.partition, BigInt(p.offset)]));
      return ends.every((e) => BigInt(e.high) === BigInt(e.low) || (at.get(e.partition) ?? -1n) >= BigInt(e.high)) ? true : undefined;
    }, `group ${groupId} to consume ${topic} to its end`, timeoutMs, 20);
  } finally {
    await admin.disconnect();
  }
}

/** Reads a command status topic (read_committed) into the newest status of each command, and every status in order. */
export class StatusReader {
  readonly all: CommandStatus[] = [];
  readonly latest = new Map<string, CommandStatus>();

  static async start(topics: CommandTopics): Promise<StatusReader> {
    const reader = new StatusReader();
    const codec = new AvroCodec<CommandStatus>(createRegistryClient(topics.schemaRegistryUrl), valueSubject(topics.commandStatusTopic), avroSchemas.CommandStatus);
    const consumer = testKafka().consumer({ groupId: freshGroupId(), maxWaitTimeInMs: 50, readUncommitted: false });
    await consumer.connect();
    onCleanup(() => consumer.disconnect());
    await consumer.subscribe({ topic: topics.commandStatusTopic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const status = await codec.decode(message.value!);
        reader.all.push(status);
        reader.latest.set(status.id, status);
      },
    });
    return reader;
  }

  /** The states command `id` went through, in order. */
  statesOf(id: string): string[] {
    return this.all.filter((s) => s.id === id).map((s) => s.state);
  }
}

/** Writes command requests as the API does (for tests of the processor alone). */
export class CommandRequester {
  private constructor(
    private readonly topic: string,
    private readonly producer: Producer,
    private readonly codec: AvroCodec<CommandRequest>,
  ) {}

  static async start(topics: CommandTopics): Promise<CommandRequester> {
    const codec = new AvroCodec<CommandRequest>(createRegistryClient(topics.schemaRegistryUrl), valueSubject(topics.commandsTopic), avroSchemas.CommandRequest);
    await codec.register();
    const producer = testKafka().producer({ ...producerDefaults, idempotent: true });
    await producer.connect();
    onCleanup(() => producer.disconnect());
    return new CommandRequester(topics.commandsTopic, producer, codec);
  }

  /** Sends a command (defaults: reboot, 5 s, not persistent) and returns it. */
  async send(device: DeviceAddress, change: Partial<CommandRequest> = {}): Promise<CommandRequest> {
    const request: CommandRequest = {
      id: randomUUID(), ...device, action: 'send', name: 'reboot', params: '{}', timeoutMs: 5000, persistent: false, ttlSeconds: null, caller: 'test', createdAt: Date.now(), ...change,
    };
    await this.raw(deviceKey(device), this.codec.encode(request));
    return request;
  }

  /** Any bytes, keyed by device, as a broken writer would send them. */
  async raw(key: string, value: Buffer): Promise<void> {
    await this.producer.send({ topic: this.topic, acks: -1, messages: [{ key, value }] });
  }
}
