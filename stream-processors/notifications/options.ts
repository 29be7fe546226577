import { hostname } from 'node:os';
import { z } from 'zod';
import { kafkaConnectionOptions, registryConnectionOptions } from '../../lib/config';
import { duration, flag, integer } from '../../lib/option-types';
import { registryOptions } from '../../registry';
import { topicNames } from '../../schemas/topics';

/**
 * Options of the notifications processor: `NOTIFICATIONS_<OPTION>` in the
 * environment, plus the connection variables and REGISTRY_DATABASE_SCHEMA
 * (policies, silences and the notification state are in the registry's
 * schema, where `fleetstream notifications apply` and `fleetstream silences` put them).
 */
export const notificationsOptionsSchema = z.strictObject({
  ...kafkaConnectionOptions,
  ...registryConnectionOptions,
  databaseUrl: registryOptions.databaseUrl,
  databaseSchema: registryOptions.databaseSchema,
  alertsTopic: z.string().min(1).default(topicNames.alerts).meta({ description: 'Topic of the alert events (AlertEvent), whose transitions make the alarms notified.' }),
  handlerRequestsTopic: z.string().min(1).default(topicNames.handlerRequests).meta({ description: 'Topic the notifications go to as handler requests (HandlerRequest, key = execution id), one per receiver action, for the handler workers.' }),
  deadLetterTopic: z.string().min(1).default(topicNames.deadLetter).meta({ description: 'Topic of alert events that do not decode, with the reason.' }),
  groupId: z.string().min(1).default('fleetstream-notifications').meta({ description: 'Consumer group of the alerts topic, also the key of the offsets stored with the alarm states (`notification_consumed_offsets`).' }),
  newGroupStartsAt: z.enum(['end', 'beginning']).default('beginning').meta({ description: 'Where a consumer group without offsets starts reading the alerts topic: `beginning` learns of every alarm still firing (each notified once), `end` only of transitions from now on.' }),
  instanceId: z.string().min(1).default(hostname()).meta({ defaultText: 'the host name', description: 'Names this instance in logs and in its Kafka client id.' }),
  evaluationInterval: duration({ min: 50, max: 60_000 }).prefault('1s').meta({ description: 'How often the leader evaluates the groups (starts new ones, flushes the due ones): a notification goes out at most this late after its groupWait or groupInterval.' }),
  leaderPollInterval: duration({ min: 100 }).prefault('2s').meta({ description: 'How often a standby tries to take the leader lock (a PostgreSQL advisory lock), and the leader checks its lock session: a dead leader is replaced within about this.' }),
  policiesRefreshInterval: duration({ min: 100 }).prefault('30s').meta({ description: 'How often the policies are read again from PostgreSQL (`fleetstream notifications apply` changes them there). Silences are read at every evaluation.' }),
  offsetCommitInterval: duration({ min: 100, max: 600_000 }).prefault('5s').meta({ description: 'How often consumed alert offsets are committed to Kafka (the database holds them with the alarm states).' }),
  fetchMaxWait: duration({ min: 1, max: 10_000 }).prefault('100ms').meta({ description: 'How long a fetch of the alerts topic waits for records.' }),
  leader: flag.default(true).meta({ description: 'Take part in the election of the leader that evaluates and sends. False: this instance only reads the alerts topic.' }),
  poolSize: integer(1, 20).default(4).meta({ description: "PostgreSQL connections (alarm states, groups, silences, policies), besides the leader lock's own." }),
});

export type NotificationsOptions = z.input<typeof notificationsOptionsSchema>;
