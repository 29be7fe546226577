import type { FastifyInstance } from 'fastify';
import { FleetstreamError } from '../../lib/errors';
import { automationTableNames } from '../../schemas/tables';
import type { ApiContext } from '../context';
import { epochMs } from '../database';
import { errorBodySchema } from '../http-errors';
import { requestedTenant } from '../tenant-scope';

const runSchema = {
  type: 'object',
  properties: {
    trigger: { type: 'string', description: 'what fired it: `schedule:<ISO time>` (the slot) or `event:<topic>/<partition>/<offset>`' },
    kind: { type: 'string', enum: ['schedule', 'event'] },
    revision: { type: 'integer', description: "the automation's revision that fired" },
    firedAt: { type: 'number', description: "the slot, or the event's time, epoch ms" },
    missedSlots: { type: 'integer', description: 'missed schedule slots this fire stands for after a downtime (fireOnce), 0 for one on time' },
    executionIds: { type: 'array', items: { type: 'string' }, description: "its handler requests' execution ids, one per action (the handler results' keys on fleet.handler-results.v1)" },
    recordedAt: { type: 'number', description: 'epoch ms' },
    dispatchedAt: { type: ['number', 'null'], description: 'when Kafka acknowledged its handler requests, epoch ms; null: not yet' },
  },
} as const;

/**
 * GET /v1/automations/<id>/runs: an automation's fires, newest first, each
 * with its handler requests' execution ids (`automation_runs` in the
 * registry's schema: schedule fires recorded by the scheduler before they
 * were sent, event fires by the processor's history consumer), in the
 * token's tenant.
 */
export function registerAutomationsRoute(app: FastifyInstance, context: ApiContext): void {
  const t = automationTableNames(context.options.registrySchema);
  const columns = `trigger, kind, revision::float8 as revision, ${epochMs('fired_at')} as "firedAt", missed_slots as "missedSlots", execution_ids as "executionIds",
    ${epochMs('recorded_at')} as "recordedAt", ${epochMs('dispatched_at')} as "dispatchedAt"`;
  const runs = `select ${columns} from ${t.runs} where tenant = $1 and automation_id = $2 and fired_at < $3 order by fired_at desc, trigger desc limit $4`;
  const exists = `select 1 from ${t.automations} where tenant = $1 and id = $2 union all select 1 from ${t.runs} where tenant = $1 and automation_id = $2 limit 1`;
  app.get<{ Params: { id: string }; Querystring: { tenant?: string; before?: string; limit?: number } }>(
    '/v1/automations/:id/runs',
    {
      schema: {
        summary: "An automation's runs, newest first, with their handler requests' execution ids",
        tags: ['automations'],
        params: { type: 'object', properties: { id: { type: 'string', minLength: 1, maxLength: 128 } }, required: ['id'], additionalProperties: false },
        querystring: {
          type: 'object',
          properties: {
            tenant: { type: 'string', minLength: 1, maxLength: 128, description: "default: the token's tenant (the admin token must name one)" },
            before: { type: 'string', format: 'date-time', description: 'fired before this (paging back); default: now and later' },
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
          },
          additionalProperties: false,
        },
        response: { 200: { type: 'object', properties: { tenant: { type: 'string' }, automation: { type: 'string' }, runs: { type: 'array', items: runSchema } } }, '4xx': errorBodySchema },
      },
    },
    async (request) => {
      const tenant = requestedTenant(request.scope, request.query.tenant);
      const { id } = request.params;
      const before = request.query.before === undefined ? 'infinity' : new Date(Date.parse(request.query.before)).toISOString();
      const rows = await context.db.query(runs, [tenant, id, before, request.query.limit ?? 100]);
      if (rows.length === 0 && (await context.db.query(exists, [tenant, id])).length === 0) {
        throw new FleetstreamError('AUTOMATION_NOT_FOUND', `tenant ${tenant} has no automation ${id} and no runs of one; \`fleetstream automations list\` shows them`);
      }
      return { tenant, automation: id, runs: rows };
    },
  );
}
