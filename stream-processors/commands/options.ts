import { hostname } from 'node:os';
import { z } from 'zod';
import { kafkaConnectionOptions, registryConnectionOptions } from '../../lib/config';
import { duration, integer } from '../../lib/option-types';
import { commandsGroupId, topicNames } from '../../schemas/topics';

/**
 * Options of the commands processor: `COMMANDS_<OPTION>` in the environment,
 * plus the connection variables.
 */
export const commandsOptionsSchema = z.strictObject({
  ...kafkaConnectionOptions,
  ...registryConnectionOptions,
  commandsTopic: z.string().min(1).default(topicNames.commands).meta({ description: 'Topic of the command requests and cancellations the API writes (key = device).' }),
  deviceMessagesTopic: z.string().min(1).default(topicNames.deviceMessages).meta({
    description: 'Topic of what devices publish (key = device): their presence, acks and answers. It must have as many partitions as the commands topic.',
  }),
  downlinkTopic: z.string().min(1).default(topicNames.downlink).meta({ description: 'Topic of the messages for devices (cmd/req), which the mqtt-downlink publishes.' }),
  commandStatusTopic: z.string().min(1).default(topicNames.commandStatus).meta({ description: "Compacted topic of each command's current status (key = command id), which the API replicas read." }),
  deadLetterTopic: z.string().min(1).default(topicNames.deadLetter).meta({ description: 'Topic of rejected input records, with the reason.' }),
  groupId: z.string().min(1).default(commandsGroupId).meta({ description: 'Consumer group of the two inputs; the state changelog is `<groupId>.state`.' }),
  instanceId: z.string().min(1).default(hostname()).meta({ defaultText: 'the host name', description: 'Distinguishes instances (their transactional ids): keep it stable per instance.' }),
  maxInFlightPerDevice: integer(1, 1000).default(4).meta({ description: 'Commands a device may have sent and unanswered at once; more wait QUEUED, in order, and go out as answers (or timeouts) free a slot.' }),
  maxQueuedPerDevice: integer(1, 10_000).default(100).meta({ description: 'Commands a device may have waiting (offline, or at its in-flight limit); more fail with reason queue_full.' }),
  httpPresence: duration({ min: 1000 }).prefault('15m').meta({
    description:
      "How long a device on HTTP counts as online after its last request on /v1/ingest/messages: it has no MQTT session whose last will says it left. Keep it above the HTTP source's HTTP_SOURCE_PRESENCE_INTERVAL (5m), which is how often a device's requests are reported; once it lapses, a command that is not persistent fails offline (503) rather than wait for its timeout.",
  }),
  timerInterval: duration({ min: 10, max: 10_000 }).prefault('100ms').meta({ description: 'How often timeouts and expiries are checked: a command times out at most this late.' }),
  restoreTimeout: duration({ min: 1 }).prefault('5m').meta({
    description: 'How long reading the state back from its changelog (at start and when partitions are assigned) may take before the processor fails, and the process exits 1, rather than hang.',
  }),
});

export type CommandsOptions = z.input<typeof commandsOptionsSchema>;
