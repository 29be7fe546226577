import { hostname } from 'node:os';
import { z } from 'zod';
import { connectionOptions, kafkaConnectionOptions, mqttConnectionOptions, registryConnectionOptions } from '../../lib/config';
import { decimal, duration, flag, integer, list } from '../../lib/option-types';
import { registryOptions } from '../../registry';
import { topicNames } from '../../schemas/topics';

/**
 * Options of the handler workers: `HANDLERS_<OPTION>` in the environment,
 * plus the connection variables and REGISTRY_DATABASE_SCHEMA.
 */
export const handlersOptionsSchema = z.strictObject({
  ...kafkaConnectionOptions,
  ...registryConnectionOptions,
  ...mqttConnectionOptions,
  databaseUrl: connectionOptions.databaseUrl,
  redisUrl: connectionOptions.redisUrl,
  // the registry's own variable: executions belong to its tenants and live beside them
  databaseSchema: registryOptions.databaseSchema,
  mqttUsername: z.string().min(1).optional().meta({ description: "The workers' broker account (mqtt_publish); replaces MQTT_URL's." }),
  mqttPassword: z.string().min(1).optional().meta({ description: "The password of HANDLERS_MQTT_USERNAME; replaces MQTT_URL's.", secret: true }),
  mqttClientId: z.string().min(1).default(`fleetstream-handlers-${hostname()}`).meta({ defaultText: 'fleetstream-handlers-<host name>', description: 'MQTT client id; unique per instance.' }),
  requestsTopic: z.string().min(1).default(topicNames.handlerRequests).meta({ description: 'Topic of the HandlerRequests to run (key = execution id).' }),
  resultsTopic: z.string().min(1).default(topicNames.handlerResults).meta({ description: "Topic of every execution's changes (HandlerResult, key = execution id, compacted)." }),
  commandsTopic: z.string().min(1).default(topicNames.commands).meta({ description: 'Where device_command and forward_payload send CommandRequests.' }),
  commandStatusTopic: z.string().min(1).default(topicNames.commandStatus).meta({ description: "Topic of the commands' statuses, which finish the executions that sent them." }),
  shadowRequestsTopic: z.string().min(1).default(topicNames.shadowRequests).meta({ description: 'Where set_desired and forward_payload send shadow updates.' }),
  shadowResultsTopic: z.string().min(1).default(topicNames.shadowResults).meta({ description: "Topic of the shadow processor's results, which finish the executions that sent the updates (refused: FAILED with the reason)." }),
  deadLetterTopic: z.string().min(1).default(topicNames.deadLetter).meta({ description: 'Where requests that cannot be run go (undecodable, handler_unknown, handler_target_invalid), with the reason.' }),
  groupId: z.string().min(1).default('fleetstream-handlers').meta({
    description: 'Consumer group of the request topic, also the key of the offsets stored with the executions; `<group>.command-status` reads the statuses.',
  }),
  newGroupStartsAt: z.enum(['end', 'beginning']).default('end').meta({ description: 'Where a consumer group without offsets starts reading the request and status topics.' }),
  keyPrefix: z.string().default('fleet:').meta({ description: "Prefix of the redis-sink's keys, where forward_payload reads a series' latest value." }),
  smtpUrl: z.string().regex(/^smtps?:\/\//, 'must start with smtp:// or smtps://').optional().meta({ description: 'SMTP server of the email handler (`smtp://user:password@host:587`); without it email executions are retried until it is set.', secret: true }),
  emailFrom: z.string().min(3).default('fleetstream <handlers@fleetstream.invalid>').meta({ description: 'From address of the emails.' }),
  emailMessageIdDomain: z.string().regex(/^[A-Za-z0-9.-]+$/).default('handlers.fleetstream.invalid').meta({ description: 'Right-hand side of the Message-IDs, `<execution id>.handler@<domain>`.' }),
  retrySchedule: list(duration(), 1).prefault('5s,30s,2m,10m,30m,1h,3h,6h,12h').meta({ description: 'Wait after each failed attempt, comma-separated; an execution failing once more after the last is FAILED.' }),
  retryJitter: decimal(0, 0.9).default(0.2).meta({ description: 'Each wait of the schedule is spread randomly by up to this fraction either way.' }),
  maxRetryAfter: duration().prefault('1h').meta({ description: "The longest `Retry-After` a webhook receiver's answer is honoured for." }),
  attemptTimeout: duration({ min: 100, max: 120_000 }).prefault('15s').meta({ description: 'How long one attempt may take (an HTTP request, an SMTP conversation, a PUBACK); past it the attempt is retried.' }),
  maxInFlight: integer(1, 1000).default(64).meta({ description: 'Attempts under way at once, per instance.' }),
  maxInFlightPerReceiver: integer(1, 100).default(4).meta({ description: 'Attempts under way at once to one receiver (a URL origin, the SMTP server, a device), per instance: a slow receiver holds its own slots only.' }),
  allowPrivateAddresses: flag.default(false).meta({ description: 'Whether webhook URLs may resolve to loopback, private or link-local addresses (checked at connect time).' }),
  pollInterval: duration({ min: 10, max: 60_000 }).prefault('1s').meta({ description: 'How often due executions are looked for (new requests and finished attempts wake the workers at once).' }),
  retention: duration({ min: 60_000 }).prefault('7d').meta({ description: 'How long finished executions stay queryable in PostgreSQL.' }),
  offsetCommitInterval: duration({ min: 100, max: 600_000 }).prefault('5s').meta({ description: 'How often consumed request offsets are committed to Kafka (the database holds them with the executions).' }),
  fetchMaxWait: duration({ min: 1, max: 10_000 }).prefault('100ms').meta({ description: 'How long a fetch of the request and status topics waits for records.' }),
  poolSize: integer(2, 100).default(8).meta({ description: 'PostgreSQL connections.' }),
});

export type HandlersOptions = z.input<typeof handlersOptionsSchema>;
export type ParsedHandlersOptions = z.output<typeof handlersOptionsSchema>;
