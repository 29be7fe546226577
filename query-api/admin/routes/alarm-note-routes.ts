/** /v1/admin/alarms/<tenant>/<alarm id>: acknowledge, assign and comment on an alarm, apart from its state (alarm-note-operations.ts). */
import type { FastifyInstance } from 'fastify';
import { errorBodySchema } from '../../http-errors';
import type { AdminOperations } from '../admin-operations';

const errors = { '4xx': errorBodySchema, '5xx': errorBodySchema };
const tags = ['admin: alarms'];
const name = { type: 'string', minLength: 1, maxLength: 128 } as const;
const params = { type: 'object', properties: { tenant: name, alarmId: name }, required: ['tenant', 'alarmId'], additionalProperties: false } as const;
const dateTime = { type: ['string', 'null'], format: 'date-time' } as const;
const notesSchema = {
  type: 'object',
  properties: {
    alarmId: { type: 'string' },
    tenant: { type: 'string' },
    acknowledgedAt: dateTime,
    acknowledgedBy: { type: ['string', 'null'], description: 'the id of the API token that acknowledged it first' },
    assignee: { type: ['string', 'null'] },
    comments: { type: 'array', items: { type: 'object', properties: { at: { type: 'string', format: 'date-time' }, by: { type: 'string' }, text: { type: 'string' } } } },
  },
} as const;
type Params = { tenant: string; alarmId: string };

export function registerAlarmNoteRoutes(app: FastifyInstance, admin: AdminOperations): void {
  const base = '/v1/admin/alarms/:tenant/:alarmId';
  app.get<{ Params: Params }>(base, { schema: { summary: "An alarm's acknowledgement, assignee and comments (404 ALERT_NOT_FOUND)", tags, params, response: { 200: notesSchema, ...errors } } }, async (request) =>
    admin.alarmNotes.get(request.caller, request.params.tenant, request.params.alarmId),
  );
  app.post<{ Params: Params }>(`${base}/acknowledge`, { schema: { summary: 'Acknowledge an alarm (the first acknowledgement stands)', tags, params, response: { 200: notesSchema, ...errors } } }, async (request) =>
    admin.alarmNotes.acknowledge(request.caller, request.params.tenant, request.params.alarmId),
  );
  app.put<{ Params: Params; Body: { assignee: string | null } }>(
    `${base}/assignee`,
    {
      schema: {
        summary: 'Assign an alarm to someone (null: nobody)',
        tags,
        params,
        body: { type: 'object', properties: { assignee: { type: ['string', 'null'], minLength: 1, maxLength: 200 } }, required: ['assignee'], additionalProperties: false },
        response: { 200: notesSchema, ...errors },
      },
    },
    async (request) => admin.alarmNotes.assign(request.caller, request.params.tenant, request.params.alarmId, request.body.assignee),
  );
  app.post<{ Params: Params; Body: { text: string } }>(
    `${base}/comments`,
    {
      schema: {
        summary: 'Comment on an alarm',
        tags,
        params,
        body: { type: 'object', properties: { text: { type: 'string', minLength: 1, maxLength: 4000 } }, required: ['text'], additionalProperties: false },
        response: { 200: notesSchema, ...errors },
      },
    },
    async (request) => admin.alarmNotes.comment(request.caller, request.params.tenant, request.params.alarmId, request.body.text),
  );
}
