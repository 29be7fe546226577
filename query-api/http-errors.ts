import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { FleetstreamError, type ErrorCode } from '../lib/errors';
import type { Logger } from '../lib/logger';
import { QuerySyntaxError } from './query-language/syntax-error';

/** HTTP status of each error code the API answers with; anything else is a 500 with code INTERNAL. */
export const httpStatus: Partial<Record<ErrorCode, number>> = {
  QUERY_SYNTAX: 400,
  QUERY_INVALID: 400,
  AGGREGATE_NOT_APPLICABLE: 400,
  RANGE_NOT_ALIGNED: 400,
  TOO_MANY_POINTS: 400,
  QUERY_TIMEOUT: 400,
  CONFIG_INVALID: 400,
  UNAUTHENTICATED: 401,
  PATH_OUTSIDE_TENANT: 403,
  SERIES_NOT_FOUND: 404,
  ROUTE_NOT_FOUND: 404,
  SHADOW_INVALID: 400,
  SHADOW_NOT_FOUND: 404,
  SHADOW_VERSION_CONFLICT: 409,
  SHADOW_TOO_LARGE: 413,
  SHADOW_TIMEOUT: 504,
  SHADOWS_UNAVAILABLE: 503,
  // the admin API, from the registry's codes
  NAME_INVALID: 400,
  REGISTRY_INPUT_INVALID: 400,
  TENANT_FORBIDDEN: 403,
  ROLE_FORBIDDEN: 403,
  TENANT_NOT_FOUND: 404,
  DEVICE_NOT_FOUND: 404,
  TOKEN_NOT_FOUND: 404,
  SERIES_SETTING_NOT_FOUND: 404,
  CONFIG_DOCUMENT_INVALID: 400,
  CONFIG_TARGET_INVALID: 400,
  DEVICE_TYPE_NOT_FOUND: 404,
  CONFIG_VERSION_NOT_FOUND: 404,
  WEBHOOK_SUBSCRIPTION_INVALID: 400,
  WEBHOOK_SUBSCRIPTION_NOT_FOUND: 404,
  ALERT_RULE_INVALID: 400,
  ALERT_RULE_NOT_FOUND: 404,
  AUTOMATION_INVALID: 400,
  AUTOMATION_NOT_FOUND: 404,
  EXECUTION_NOT_FOUND: 404,
  ALERT_NOT_FOUND: 404,
  SILENCE_INVALID: 400,
  SILENCE_NOT_FOUND: 404,
  DEVICE_EXISTS: 409,
  DEVICE_REVOKED: 409,
  DATABASE_UNAVAILABLE: 503,
  KAFKA_UNAVAILABLE: 503,
  REDIS_UNAVAILABLE: 503,
  // commands
  COMMAND_NOT_FOUND: 404,
  COMMAND_CANCELED: 409,
  COMMAND_NOT_CANCELABLE: 409,
  COMMAND_RATE_LIMITED: 429,
  COMMAND_IN_FLIGHT_LIMIT: 429,
  COMMAND_QUEUE_FULL: 429,
  COMMAND_DEVICE_OFFLINE: 503,
  COMMANDS_UNAVAILABLE: 503,
  COMMAND_TIMED_OUT: 504,
  COMMAND_EXPIRED: 504,
};

/** The JSON body of every error: a stable `code`, a message that names the fix, and for syntax errors where and what was expected. */
export interface ErrorBody {
  statusCode: number;
  code: string;
  message: string;
  position?: number;
  expected?: string[];
  found?: string;
  /** CONFIG_DOCUMENT_INVALID: the JSON Schema validator's errors */
  problems?: unknown[];
}

export const errorBodySchema = {
  type: 'object',
  properties: {
    statusCode: { type: 'integer' },
    code: { type: 'string', description: 'stable error code (lib/errors.ts), e.g. QUERY_SYNTAX, PATH_OUTSIDE_TENANT' },
    message: { type: 'string' },
    position: { type: 'integer', description: 'QUERY_SYNTAX: 0-based offset in the query' },
    expected: { type: 'array', items: { type: 'string' }, description: 'QUERY_SYNTAX: what the parser expected there' },
    found: { type: 'string', description: 'QUERY_SYNTAX: what it found' },
    problems: { type: 'array', items: { type: 'object', additionalProperties: true }, description: "CONFIG_DOCUMENT_INVALID: ajv's errors (instancePath, keyword, message, params), one per problem" },
  },
  required: ['statusCode', 'code', 'message'],
} as const;

export function errorBody(error: unknown): ErrorBody {
  if (error instanceof QuerySyntaxError) {
    return { statusCode: 400, code: error.code, message: error.message, position: error.position, expected: error.expected, found: error.found };
  }
  if (error instanceof FleetstreamError) {
    return { statusCode: httpStatus[error.code] ?? 500, code: error.code, message: error.message, ...(error.problems === undefined ? {} : { problems: error.problems }) };
  }
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) {
    return { statusCode: 400, code: 'QUERY_INVALID', message: `invalid request: ${fastifyError.message}` };
  }
  if (typeof fastifyError.statusCode === 'number' && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    return { statusCode: fastifyError.statusCode, code: 'QUERY_INVALID', message: fastifyError.message };
  }
  return { statusCode: 500, code: 'INTERNAL', message: 'unexpected failure; the query-api log has the details under this request id' };
}

export function errorHandler(logger: Logger, countError: (code: string) => void) {
  return (error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const body = errorBody(error);
    countError(body.code);
    if (body.statusCode >= 500) logger.error({ event: 'request_failed', requestId: request.id, route: request.routeOptions.url, err: error }, 'request failed');
    else logger.debug({ event: 'request_refused', requestId: request.id, code: body.code }, body.message);
    return reply.code(body.statusCode).send(body);
  };
}
