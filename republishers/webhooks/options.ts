import { z } from 'zod';
import { connectionOptions, kafkaConnectionOptions, registryConnectionOptions } from '../../lib/config';
import { decimal, duration, flag, integer, list } from '../../lib/option-types';
import { registryOptions } from '../../registry';
import { topicNames } from '../../schemas/topics';
import { defaultRetrySchedule } from './retry-schedule';

/**
 * Options of the webhooks republisher: `WEBHOOKS_<OPTION>` in the
 * environment, plus the connection variables and REGISTRY_DATABASE_SCHEMA.
 */
export const webhooksOptionsSchema = z.strictObject({
  ...kafkaConnectionOptions,
  ...registryConnectionOptions,
  databaseUrl: connectionOptions.databaseUrl,
  // the registry's own variable: subscriptions belong to its tenants, and the outbox lives beside them
  databaseSchema: registryOptions.databaseSchema,
  measurementsTopic: z.string().min(1).default(topicNames.measurements).meta({ description: 'Topic of the readings (`measurement` events).' }),
  rollup1mTopic: z.string().min(1).default(topicNames.rollups('1m')).meta({ env: 'WEBHOOKS_ROLLUP_1M_TOPIC', description: 'Topic of the 1m rollups (`rollup.1m` events).' }),
  rollup1hTopic: z.string().min(1).default(topicNames.rollups('1h')).meta({ env: 'WEBHOOKS_ROLLUP_1H_TOPIC', description: 'Topic of the 1h rollups (`rollup.1h` events).' }),
  rollup1dTopic: z.string().min(1).default(topicNames.rollups('1d')).meta({ env: 'WEBHOOKS_ROLLUP_1D_TOPIC', description: 'Topic of the 1d rollups (`rollup.1d` events).' }),
  commandStatusTopic: z.string().min(1).default(topicNames.commandStatus).meta({ description: 'Topic of the commands\' statuses (`command.answer` events, once a command finished).' }),
  alertsTopic: z.string().min(1).default(topicNames.alerts).meta({ description: 'Topic of the alerts processor\'s events (`alert` events: every transition of every alert).' }),
  deadLetterTopic: z.string().min(1).default(topicNames.deadLetter).meta({ description: 'Topic of messages given up after the retry schedule (`webhook_undeliverable`) and of undecodable source records, with the reason.' }),
  groupId: z.string().min(1).default('fleetstream-webhooks').meta({
    description: 'Consumer group of the source topics; also the key of the offsets stored with the outbox (`webhook_consumed_offsets`).',
  }),
  newGroupStartsAt: z.enum(['end', 'beginning']).default('end').meta({
    description: 'Where a consumer group without offsets starts reading the source topics: `end` sends what happens from now on, `beginning` everything the topics still hold to the subscriptions that exist.',
  }),
  retrySchedule: list(duration(), 1).prefault(defaultRetrySchedule).meta({
    description: "Wait after each failed attempt, comma-separated; a message failing once more after the last is dead-lettered. The default is Standard Webhooks' example (ten attempts over about 75 hours).",
  }),
  retryJitter: decimal(0, 0.9).default(0.2).meta({ description: 'Each wait of the schedule is spread randomly by up to this fraction either way.' }),
  maxRetryAfter: duration().prefault('24h').meta({ description: "The longest `Retry-After` honoured: a receiver's longer one waits this long." }),
  requestTimeout: duration({ min: 100, max: 120_000 }).prefault('15s').meta({ description: 'How long a request may take, connection to answer; past it the attempt failed (Standard Webhooks advises 15 to 30 s).' }),
  maxInFlightPerSubscription: integer(1, 100).default(4).meta({ description: "Requests under way at once to one subscription's endpoint, per instance: a slow endpoint holds its own slots only." }),
  allowPrivateAddresses: flag.default(false).meta({
    description: 'Whether endpoints may resolve to loopback, private, link-local or other non-public addresses (checked at connect time, after DNS). Off: such attempts fail as `address_refused`.',
  }),
  pollInterval: duration({ min: 10, max: 60_000 }).prefault('1s').meta({ description: 'How often the outbox is scanned for messages due (new messages of this instance and finished attempts wake it at once).' }),
  subscriptionRefresh: duration({ min: 10, max: 600_000 }).prefault('2s').meta({ description: 'How often subscriptions are read again: a new or changed one applies to events consumed from at most this long after.' }),
  retention: duration({ min: 60_000 }).prefault('7d').meta({ description: 'How long delivered and dead-lettered messages stay in the outbox, for replay (`POST .../replay`), before they are deleted.' }),
  offsetCommitInterval: duration({ min: 100, max: 600_000 }).prefault('5s').meta({
    description: "How often the consumed offsets are committed to Kafka. The outbox stores them with each batch, so this only bounds what a restarted member reads again (and skips).",
  }),
  // every fetched batch is one PostgreSQL transaction (its outbox rows and offset): small fetches at a low rate made the
  // republisher cost 0.19 of a core at 1,000 readings/s in the end-to-end benchmark with no subscription at all
  fetchMinBytes: integer(1).default(64 * 1024).meta({ description: 'A fetch from the source topics waits for this many bytes...' }),
  fetchMaxWait: duration({ min: 1, max: 10_000 }).prefault('500ms').meta({ description: '...or this long: what a webhook event may wait before it is written to the outbox.' }),
  partitionsConsumedConcurrently: integer(1, 64).default(2).meta({ description: 'Source partitions whose batches are written at the same time.' }),
  poolSize: integer(2, 100).default(6).meta({ description: 'PostgreSQL connections.' }),
});

export type WebhooksOptions = z.input<typeof webhooksOptionsSchema>;
export type ParsedWebhooksOptions = z.output<typeof webhooksOptionsSchema>;
