/**
 * How the HTTP ingest answers what it refuses: a status per error code, a
 * JSON body with the stable `code` (lib/errors.ts), a message that names the
 * fix and, for a dead-lettered payload, its dead-letter `reason`; a 401
 * carries the Basic challenge, a 429 or 503 a Retry-After in whole seconds.
 * Pure.
 */
import type { FastifyError } from 'fastify';
import { FleetstreamError, type ErrorCode } from '../../lib/errors';
import type { DeadLetterReason } from '../../schemas/dead-letter-reason';
import { basicChallenge } from './basic-credentials';

/** A refusal with what its answer needs besides the code: when to retry, why the payload was dead-lettered. */
export class IngestRefusal extends FleetstreamError {
  constructor(
    code: ErrorCode,
    message: string,
    readonly details: { retryAfterMs?: number; reason?: DeadLetterReason } = {},
  ) {
    super(code, message);
  }
}

export const ingestStatus: Partial<Record<ErrorCode, number>> = {
  PAYLOAD_INVALID: 400,
  UNAUTHENTICATED: 401,
  DEVICE_FORBIDDEN: 403,
  ROUTE_NOT_FOUND: 404,
  PAYLOAD_TOO_LARGE: 413,
  DEVICE_RATE_LIMITED: 429,
  LOGIN_THROTTLED: 429,
  TENANT_RATE_LIMITED: 429,
  INGEST_OVERLOADED: 429,
  KAFKA_UNAVAILABLE: 503,
  // the registry away: the device cannot be checked now
  DATABASE_UNAVAILABLE: 503,
};

export interface IngestErrorBody {
  statusCode: number;
  code: string;
  message: string;
  reason?: DeadLetterReason;
}

export const ingestErrorBodySchema = {
  type: 'object',
  properties: {
    statusCode: { type: 'integer' },
    code: { type: 'string', description: 'stable error code (lib/errors.ts): PAYLOAD_INVALID, UNAUTHENTICATED, DEVICE_FORBIDDEN, PAYLOAD_TOO_LARGE, DEVICE_RATE_LIMITED, TENANT_RATE_LIMITED, LOGIN_THROTTLED, INGEST_OVERLOADED, KAFKA_UNAVAILABLE' },
    message: { type: 'string' },
    reason: { type: 'string', description: 'PAYLOAD_INVALID: the dead-letter reason (schemas/dead-letter-reason.ts), e.g. malformed_json' },
  },
  required: ['statusCode', 'code', 'message'],
} as const;

export interface IngestErrorAnswer {
  body: IngestErrorBody;
  headers: Record<string, string>;
}

/** The answer to `error`; `retryAfterMs` is the Retry-After of a 429 or 503 that carries none of its own. */
export function ingestErrorAnswer(error: unknown, retryAfterMs: number): IngestErrorAnswer {
  const body = errorBody(error);
  const headers: Record<string, string> = {};
  if (body.statusCode === 401) headers['www-authenticate'] = basicChallenge;
  if (body.statusCode === 429 || body.statusCode === 503) {
    const ms = (error instanceof IngestRefusal ? error.details.retryAfterMs : undefined) ?? retryAfterMs;
    headers['retry-after'] = String(Math.max(1, Math.ceil(ms / 1000)));
  }
  return { body, headers };
}

function errorBody(error: unknown): IngestErrorBody {
  if (error instanceof FleetstreamError) {
    const reason = error instanceof IngestRefusal ? error.details.reason : undefined;
    return { statusCode: ingestStatus[error.code] ?? 500, code: ingestStatus[error.code] ? error.code : 'INTERNAL', message: ingestStatus[error.code] ? error.message : internalMessage, ...(reason && { reason }) };
  }
  const fastifyError = error as FastifyError;
  if (fastifyError.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return { statusCode: 413, code: 'PAYLOAD_TOO_LARGE', message: `${fastifyError.message}: a device sends at most HTTP_SOURCE_MAX_BODY_BYTES` };
  if (typeof fastifyError.statusCode === 'number' && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    return { statusCode: fastifyError.statusCode, code: 'PAYLOAD_INVALID', message: fastifyError.message };
  }
  return { statusCode: 500, code: 'INTERNAL', message: internalMessage };
}

const internalMessage = 'unexpected failure; the http-source log has the details under this request id';
