/**
 * The Kafka records the commands processor writes: status records (key =
 * command id), cmd/req downlink messages (key = device, so a device's
 * messages stay in order), its state changelog (partition for partition with
 * its inputs) and dead letters. Pure: it builds messages and collects them
 * per topic; the processor sends them in a transaction.
 */
import type { KafkaMessage } from 'kafkajs';
import { pushOutputs, type TopicOutputs } from '../../lib/kafka-transaction';
import type { AvroCodec } from '../../schemas/avro-codec';
import { commandRequestBody } from '../../schemas/commands';
import { consumedRecordRejection, deadLetterMessage } from '../../schemas/dead-letter';
import type { DeadLetterReason } from '../../schemas/dead-letter-reason';
import { deviceKey, downlinkSubtopics } from '../../schemas/device-topics';
import type { CommandStatus, DeadLetter, DownlinkMessage } from '../../schemas/types';
import { markerKey } from '../../lib/read-to-markers';
import { changelogRecords, RESTORE_MARKER } from './command-changelog';
import type { CommandSend } from './device-commands';
import type { DeviceChanges } from './partition-commands';

export interface CommandRecordsConfig {
  /** the source of dead letters */
  name: string;
  commandStatusTopic: string;
  downlinkTopic: string;
  changelogTopic: string;
  deadLetterTopic: string;
  statusCodec: AvroCodec<CommandStatus>;
  downlinkCodec: AvroCodec<DownlinkMessage>;
  deadLetterCodec: AvroCodec<DeadLetter>;
  now: () => number;
}

export class CommandRecords {
  constructor(private readonly config: CommandRecordsConfig) {}

  statuses(outputs: TopicOutputs, statuses: readonly CommandStatus[]): void {
    const { config } = this;
    pushOutputs(outputs, config.commandStatusTopic, statuses.map((status) => ({ key: status.id, value: config.statusCodec.encode(status) })));
  }

  /** cmd/req/<id>/<name> at QoS 1, not retained, expiring when the platform stops waiting for the answer. */
  sends(outputs: TopicOutputs, sends: readonly CommandSend[]): void {
    const { config } = this;
    const createdAt = config.now();
    const messages = sends.map(({ device, command, expiresAt }) => {
      const message: DownlinkMessage = {
        ...device,
        subtopic: downlinkSubtopics.commandRequest(command.id, command.name),
        payload: commandRequestBody(command.params, expiresAt),
        retain: false,
        qos: 1,
        expiresAt,
        origin: 'commands',
        createdAt,
      };
      return { key: deviceKey(device), value: config.downlinkCodec.encode(message), headers: { 'fleet-command-id': command.id } };
    });
    pushOutputs(outputs, config.downlinkTopic, messages);
  }

  changelog(outputs: TopicOutputs, partition: number, changes: readonly DeviceChanges[]): void {
    pushOutputs(outputs, this.config.changelogTopic, changelogRecords(changes).map((record) => ({ ...record, partition })));
  }

  /** A restore's markers, one per partition, with the read's id as value: see lib/read-to-markers.ts. */
  restoreMarkers(outputs: TopicOutputs, id: string, partitions: readonly number[]): void {
    pushOutputs(outputs, this.config.changelogTopic, partitions.map((partition) => ({ key: markerKey(RESTORE_MARKER, partition), value: id, partition })));
  }

  /** An input record rejected, with its original bytes and where it was read. */
  deadLetter(outputs: TopicOutputs, message: KafkaMessage, topic: string, partition: number, reason: Extract<DeadLetterReason, 'undecodable' | 'invalid_command' | 'invalid_presence'>, text: string): void {
    const { config } = this;
    pushOutputs(outputs, config.deadLetterTopic, [deadLetterMessage(config.deadLetterCodec, consumedRecordRejection(config.name, reason, text, { topic, partition, message }, config.now()))]);
  }
}
