import type { FastifyInstance } from 'fastify';
import { alertEventsTable, qualified } from '../../schemas/tables';
import type { ApiContext } from '../context';
import { epochMs, timeParameter } from '../database';
import { errorBodySchema } from '../http-errors';
import { openEventStream } from '../event-stream';
import { checkPrefix, inScope, scopeRoot } from '../tenant-scope';

const dateTime = { type: 'string', format: 'date-time' } as const;

const eventSchema = {
  type: 'object',
  properties: {
    alarmId: { type: 'string', description: "the episode's id, the same from pending to resolved" },
    transition: { type: 'string', enum: ['pending', 'cancelled', 'firing', 'escalated', 'deescalated', 'recovering', 'relapsed', 'resolved', 'no_data'] },
    time: { type: 'number', description: 'event time of the reading that made it (a rollup: its window end; no_data: the wall clock), epoch ms' },
    tenant: { type: 'string' },
    ruleId: { type: 'string' },
    path: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    severity: { type: ['string', 'null'] },
    previousSeverity: { type: ['string', 'null'] },
    value: { type: ['number', 'null'] },
    reads: { type: 'string', description: 'raw, or a rollup field (1m mean)' },
    episodeStart: { type: 'number', description: 'epoch ms' },
    labels: { type: 'object', additionalProperties: { type: 'string' } },
  },
} as const;

interface AlertsQuery {
  prefix?: string;
  alarmId?: string;
  since?: string;
  until?: string;
  limit?: number;
}

/**
 * GET /v1/alerts: the alert history (every transition the alerts processor
 * committed, from `alert_events` in the registry's schema) under a path
 * prefix, oldest first; by alarm id, one episode.
 */
export function registerAlertsRoute(app: FastifyInstance, context: ApiContext): void {
  const table = qualified(context.options.registrySchema, alertEventsTable);
  const columns = `alarm_id as "alarmId", transition, ${epochMs('event_time')} as time, tenant, rule_id as "ruleId", path, from_status as "from", to_status as "to",
    severity, previous_severity as "previousSeverity", value, reads, ${epochMs('episode_start')} as "episodeStart", labels`;
  const sql = `select ${columns} from ${table}
    where left(path, length($1)) = $1 and ($2::text is null or alarm_id = $2) and event_time >= $3 and event_time < $4
    order by event_time, transition limit $5`;
  app.get<{ Querystring: AlertsQuery }>(
    '/v1/alerts',
    {
      schema: {
        summary: 'The alert history: every transition of the alerts under a path prefix, oldest first',
        tags: ['alerts'],
        querystring: {
          type: 'object',
          properties: {
            prefix: { type: 'string', minLength: 1, description: "a path prefix such as /acme/plant1 (whole segments); default: the token's tenant" },
            alarmId: { type: 'string', minLength: 1, maxLength: 64, description: 'one episode' },
            since: { ...dateTime, description: 'event time, inclusive; default: the beginning' },
            until: { ...dateTime, description: 'event time, exclusive; default: no end' },
            limit: { type: 'integer', minimum: 1, maximum: 10000, default: 1000 },
          },
          additionalProperties: false,
        },
        response: { 200: { type: 'object', properties: { events: { type: 'array', items: eventSchema } } }, '4xx': errorBodySchema },
      },
    },
    async (request) => {
      const { query, scope } = request;
      const prefix = query.prefix === undefined ? scopeRoot(scope) : checkPrefix(scope, query.prefix);
      const since = query.since === undefined ? '-infinity' : timeParameter(Date.parse(query.since));
      const until = query.until === undefined ? 'infinity' : timeParameter(Date.parse(query.until));
      const events = await context.db.query(sql, [prefix, query.alarmId ?? null, since, until, query.limit ?? 1000]);
      return { events };
    },
  );

  app.get<{ Querystring: { prefix?: string } }>(
    '/v1/alerts/live',
    {
      schema: {
        summary: 'Alert events as they are committed (Server-Sent Events)',
        description: 'A text/event-stream: first an `event: subscribed`, then one `event: alert` per transition under the prefix, data as an event of GET /v1/alerts; a comment line keeps the connection alive.',
        tags: ['alerts'],
        querystring: { type: 'object', properties: { prefix: { type: 'string', minLength: 1, description: "default: the token's tenant" } }, additionalProperties: false },
        response: { '4xx': errorBodySchema },
      },
    },
    async (request, reply) => {
      const { scope } = request;
      const prefix = request.query.prefix === undefined ? scopeRoot(scope) : checkPrefix(scope, request.query.prefix);
      const stream = openEventStream(request, reply, context, prefix);
      let unwatch: () => void;
      try {
        unwatch = await context.alerts.watch(prefix, (event) => {
          if (!inScope(scope, event.path)) return;
          const { alarmId, transition, tenant, ruleId, path, from, to, severity, previousSeverity, value, reads, labels } = event;
          stream.send('alert', { alarmId, transition, time: Number(event.eventTime), tenant, ruleId, path, from, to, severity, previousSeverity, value, reads, episodeStart: Number(event.episodeStart), labels });
        });
      } catch (error) {
        context.logger.error({ event: 'alert_feed_failed', prefix, err: error }, 'reading the alert events failed');
        stream.send('error', { code: 'KAFKA_UNAVAILABLE', message: 'the alert events cannot be read now; reconnect later' });
        stream.close();
        return;
      }
      stream.onClose(unwatch);
      stream.send('subscribed', { prefix });
    },
  );
}
