/**
 * The table of long-running components: what the CLI starts, what the local
 * pipeline runs, which ports the image exposes and the manifests probe. The
 * one place (with the CLI) that knows every component; `start` imports the
 * component only when it runs.
 */
import type { z } from 'zod';
import type { RunningComponent } from '../lib/component';
import type { Logger } from '../lib/logger';
import { brokerAuthSyncOptionsSchema } from '../broker/auth-sync/options';
import { httpSourceOptionsSchema } from '../connectors/http-source/options';
import { mqttDownlinkOptionsSchema } from '../connectors/mqtt-downlink/options';
import { mqttSourceOptionsSchema } from '../connectors/mqtt-source/options';
import { redisSinkOptionsSchema } from '../connectors/redis-sink/options';
import { timescaleSinkOptionsSchema } from '../connectors/timescale-sink/options';
import { queryApiOptionsSchema } from '../query-api/options';
import { schedulerOptionsSchema } from '../republishers/scheduler/options';
import { alertsOptionsSchema } from '../stream-processors/alerts/options';
import { automationsOptionsSchema } from '../stream-processors/automations/options';
import { notificationsOptionsSchema } from '../stream-processors/notifications/options';
import { webhooksOptionsSchema } from '../republishers/webhooks/options';
import { handlersOptionsSchema } from '../stream-processors/handlers/options';
import { mqttRepublisherOptionsSchema } from '../republishers/mqtt/options';
import { commandsOptionsSchema } from '../stream-processors/commands/options';
import { configurationOptionsSchema } from '../stream-processors/configuration/options';
import { rollupsOptionsSchema } from '../stream-processors/rollups/options';
import { shadowOptionsSchema } from '../stream-processors/shadow/options';

export interface ComponentEntry {
  /** The CLI command, the logger's component name, the k8s workload's name. */
  name: string;
  description: string;
  /** Its options are `<envPrefix><OPTION>` variables. */
  envPrefix: string;
  /** `/healthz`, `/readyz` and `/metrics`, unless OPS_PORT says otherwise. */
  opsPort: number;
  /** Ports it serves besides the ops port, by name. */
  servicePorts?: Record<string, number>;
  /** Run by the local stack only: Kubernetes does its work otherwise (the scheduler's jobs are CronJobs), so infra/k8s has no workload for it. */
  localOnly?: boolean;
  options: z.ZodObject;
  /** Starts it from options as read from the environment (strings; the component validates them). */
  start(input: Record<string, string>, logger: Logger): Promise<RunningComponent>;
}

export const components: readonly ComponentEntry[] = [
  {
    name: 'mqtt-source',
    description: 'MQTT-to-Kafka source connector',
    envPrefix: 'MQTT_SOURCE_',
    opsPort: 9101,
    options: mqttSourceOptionsSchema,
    start: async (input, logger) => (await import('../connectors/mqtt-source')).start({ ...input, logger }),
  },
  {
    name: 'timescale-sink',
    description: 'land measurements and rollups from Kafka in PostgreSQL/TimescaleDB',
    envPrefix: 'TIMESCALE_SINK_',
    opsPort: 9102,
    options: timescaleSinkOptionsSchema,
    start: async (input, logger) => (await import('../connectors/timescale-sink')).start(input, logger),
  },
  {
    name: 'redis-sink',
    description: 'keep latest values, recent rollups, the hierarchy and live updates in Redis',
    envPrefix: 'REDIS_SINK_',
    opsPort: 9103,
    options: redisSinkOptionsSchema,
    start: async (input, logger) => (await import('../connectors/redis-sink')).start(input, logger),
  },
  {
    name: 'query-api',
    description: "the analysts' HTTP API: sMAP-style queries, REST, live values (OpenAPI at /openapi.json)",
    envPrefix: 'QUERY_API_',
    opsPort: 9104,
    servicePorts: { http: 8080 },
    options: queryApiOptionsSchema,
    start: async (input, logger) => (await import('../query-api')).start(input, logger),
  },
  {
    name: 'rollups',
    description: 'rollup stream processor: 1m from the measurements, 1h from 1m, 1d from 1h',
    envPrefix: 'ROLLUPS_',
    opsPort: 9105,
    options: rollupsOptionsSchema,
    start: async (input, logger) => (await import('../stream-processors/rollups')).start({ ...input, logger }),
  },
  {
    name: 'broker-auth-sync',
    description: "keep the broker plugin's auth file equal to the registry's devices plus the service accounts",
    envPrefix: 'BROKER_AUTH_SYNC_',
    opsPort: 9106,
    options: brokerAuthSyncOptionsSchema,
    start: async (input, logger) => (await import('../broker/auth-sync')).start(input, logger),
  },
  {
    name: 'http-source',
    description: 'HTTP ingest for devices that cannot hold an MQTT session: POST /v1/ingest with the device\'s credentials',
    envPrefix: 'HTTP_SOURCE_',
    opsPort: 9107,
    servicePorts: { http: 8090 },
    options: httpSourceOptionsSchema,
    start: async (input, logger) => (await import('../connectors/http-source')).start({ ...input, logger }),
  },
  {
    name: 'scheduler',
    description: 'run the periodic jobs (`hierarchy publish`) on their cron schedules, as the Kubernetes CronJobs do',
    envPrefix: 'SCHEDULER_',
    opsPort: 9108,
    localOnly: true,
    options: schedulerOptionsSchema,
    start: async (input, logger) => (await import('../republishers/scheduler')).start(input, logger),
  },
  {
    name: 'mqtt-downlink',
    description: "publish what the platform has for devices (fleet.downlink.v1: commands, shadow answers and deltas, configuration) to their MQTT topics",
    envPrefix: 'MQTT_DOWNLINK_',
    opsPort: 9109,
    options: mqttDownlinkOptionsSchema,
    start: async (input, logger) => (await import('../connectors/mqtt-downlink')).start(input, logger),
  },
  {
    name: 'shadow',
    description: "device shadows (desired, reported, delta; AWS IoT's semantics): the one writer of each device's, answering devices and the API",
    envPrefix: 'SHADOW_',
    opsPort: 9110,
    options: shadowOptionsSchema,
    start: async (input, logger) => (await import('../stream-processors/shadow')).start({ ...input, logger }),
  },
  {
    name: 'commands',
    description: "commands processor: each device's commands (queued, sent, answered, timed out) from the API's requests and the devices' presence and answers",
    envPrefix: 'COMMANDS_',
    opsPort: 9111,
    options: commandsOptionsSchema,
    start: async (input, logger) => (await import('../stream-processors/commands')).start({ ...input, logger }),
  },
  {
    name: 'configuration',
    description: "control configuration processor: each device's desired configuration published retained until it acknowledges, or its deadline",
    envPrefix: 'CONFIGURATION_',
    opsPort: 9112,
    options: configurationOptionsSchema,
    start: async (input, logger) => (await import('../stream-processors/configuration')).start({ ...input, logger }),
  },
  {
    name: 'webhooks',
    description: "deliver readings, final rollups and command answers to the tenants' webhook subscriptions (Standard Webhooks signatures, retries over three days)",
    envPrefix: 'WEBHOOKS_',
    opsPort: 9113,
    options: webhooksOptionsSchema,
    start: async (input, logger) => (await import('../republishers/webhooks')).start({ ...input, logger }),
  },
  {
    name: 'alerts',
    description: 'alerts processor: the rules `fleetstream alerts apply` stored, evaluated per (rule, series) over the readings and final rollups, every transition to fleet.alerts.v1',
    envPrefix: 'ALERTS_',
    opsPort: 9114,
    options: alertsOptionsSchema,
    start: async (input, logger) => (await import('../stream-processors/alerts')).start({ ...input, logger }),
  },
  {
    name: 'handlers',
    description: 'handler workers: the HandlerRequests of automations and notifications run at least once (webhook, email, MQTT publish, device command, desired state, forward payload), each with its own retries',
    envPrefix: 'HANDLERS_',
    opsPort: 9118,
    options: handlersOptionsSchema,
    start: async (input, logger) => (await import('../stream-processors/handlers')).start({ ...input, logger }),
  },
  {
    name: 'automations',
    description: 'automations processor: the automations `fleetstream automations apply` stored, fired by schedules (one leader) and events, each action a handler request on fleet.handler-requests.v1',
    envPrefix: 'AUTOMATIONS_',
    opsPort: 9117,
    options: automationsOptionsSchema,
    start: async (input, logger) => (await import('../stream-processors/automations')).start({ ...input, logger }),
  },
  {
    name: 'notifications',
    description: 'notifications in Alertmanager\'s model: alerts routed by each tenant\'s policy (`fleetstream notifications apply`) into groups, silenced, inhibited, flushed on groupWait, groupInterval and repeatInterval, each receiver action a handler request on fleet.handler-requests.v1',
    envPrefix: 'NOTIFICATIONS_',
    opsPort: 9119,
    options: notificationsOptionsSchema,
    start: async (input, logger) => (await import('../stream-processors/notifications')).start({ ...input, logger }),
  },
  {
    name: 'mqtt-republisher',
    description: 'publish final rollups and alert states retained on fleet-out/<tenant>/... for local HMIs (read-only readers per tenant), and over a bridge to an external broker',
    envPrefix: 'MQTT_REPUBLISHER_',
    opsPort: 9115,
    options: mqttRepublisherOptionsSchema,
    start: async (input, logger) => (await import('../republishers/mqtt')).start(input, logger),
  },
];

export function componentNamed(name: string): ComponentEntry {
  const entry = components.find((c) => c.name === name);
  if (!entry) throw new Error(`no component ${name}: one of ${components.map((c) => c.name).join(', ')}`);
  return entry;
}
