/** JSON schemas of what the command routes take and answer, for validation, serialization and the OpenAPI document. */
import { commandLimits, commandStates } from '../../schemas/commands';
import { deviceAddressSchema } from '../admin/routes/admin-schemas';
import { errorBodySchema } from '../http-errors';

const epochMs = { type: 'integer', description: 'epoch ms' } as const;
const nullableEpochMs = { type: ['integer', 'null'], description: 'epoch ms; null until it happens' } as const;

export const deviceParamsSchema = { ...deviceAddressSchema, additionalProperties: false } as const;

export const commandIdParamsSchema = {
  type: 'object',
  properties: { id: { type: 'string', pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$', description: 'the command id (a lower-case UUID)' } },
  required: ['id'],
  additionalProperties: false,
} as const;

export const commandAskSchema = {
  type: 'object',
  properties: {
    name: { type: 'string', pattern: '^[A-Za-z0-9_.:~@-]{1,64}$', description: 'the command, the last level of the topic the device receives it on: `{base}/cmd/req/<id>/<name>`' },
    params: { type: 'object', additionalProperties: true, default: {}, description: `what the device receives as \`params\` (at most ${commandLimits.paramsMaxBytes} bytes as JSON)` },
    timeoutMs: {
      type: 'integer',
      minimum: commandLimits.timeoutMs.min,
      maximum: commandLimits.timeoutMs.max,
      default: commandLimits.timeoutMs.default,
      description: 'how long the device has to answer once the command is sent to it; then TIMED_OUT (504)',
    },
    persistent: { type: 'boolean', default: false, description: 'false: an offline device fails the command at once (503); true: it waits for the device to come online, ttlSeconds at most' },
    ttlSeconds: {
      type: 'integer',
      minimum: commandLimits.ttlSeconds.min,
      maximum: commandLimits.ttlSeconds.max,
      description: `persistent commands: how long it may wait to be sent (default ${commandLimits.ttlSeconds.default}); then EXPIRED (504)`,
    },
  },
  required: ['name'],
  additionalProperties: false,
} as const;

export const commandSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    tenant: { type: 'string' },
    site: { type: 'string' },
    device: { type: 'string' },
    name: { type: 'string' },
    params: { type: 'object', additionalProperties: true },
    state: {
      type: 'string',
      enum: [...commandStates, 'SUBMITTED'],
      description: 'SUBMITTED: written to Kafka by the replica that answers, not yet taken by the commands processor; the others as in schemas/commands.ts',
    },
    reason: { type: ['string', 'null'], description: 'why it finished without an answer: offline, timeout, expired, canceled, queue_full (answer_too_large: the answer was not kept)' },
    answer: { description: "the device's answer (the body of its cmd/res): its JSON when it is JSON, else its text; null until it answers" },
    caller: { type: 'string', description: 'the id of the API token that sent it' },
    persistent: { type: 'boolean' },
    timeoutMs: { type: 'integer' },
    ttlSeconds: { type: ['integer', 'null'] },
    createdAt: epochMs,
    queuedAt: { ...nullableEpochMs, description: 'when it started waiting (device offline, or at its in-flight limit); null when sent at once' },
    sentAt: nullableEpochMs,
    ackedAt: nullableEpochMs,
    finishedAt: nullableEpochMs,
    canceledBy: { type: ['string', 'null'] },
    updatedAt: epochMs,
    revision: { type: 'integer', description: 'its status records so far: each change is one more' },
  },
} as const;

/** An error about a command, with the command as it is. */
export const commandErrorSchema = {
  ...errorBodySchema,
  properties: { ...errorBodySchema.properties, command: commandSchema },
} as const;
