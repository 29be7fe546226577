/**
 * The HTTP answer to a shadow change, from the shadow processor's result:
 * the document and its ETag, or the error its code means. The codes are the
 * ones devices get on shadow/<op>/rejected. Pure.
 */
import { FleetstreamError, type ErrorCode } from '../../lib/errors';
import type { ShadowResult } from '../../schemas/types';
import { etagOf } from './patch-request';

const errorCodes: Record<number, ErrorCode> = { 400: 'SHADOW_INVALID', 404: 'SHADOW_NOT_FOUND', 409: 'SHADOW_VERSION_CONFLICT', 413: 'SHADOW_TOO_LARGE' };

export interface ShadowAnswer {
  etag: string;
  document: string;
}

/** A refused change as the error the API answers, with the ETag of the shadow's current version (a 409's client retries with it). */
export class ShadowRefusal extends FleetstreamError {
  constructor(
    code: ErrorCode,
    message: string,
    readonly etag: string,
  ) {
    super(code, message);
  }
}

export function shadowAnswer(result: ShadowResult): ShadowAnswer {
  const version = Number(result.version);
  if (result.accepted && result.document !== null) return { etag: etagOf(version), document: result.document };
  const code = errorCodes[result.code];
  if (result.accepted || !code) throw new FleetstreamError('SHADOWS_UNAVAILABLE', `the shadow processor answered request ${result.requestId} with code ${result.code} and no document`);
  const message = `${result.error ?? 'refused'}: ${result.message ?? ''}`.trim();
  throw new ShadowRefusal(code, code === 'SHADOW_VERSION_CONFLICT' ? `${message}; GET the shadow (ETag ${etagOf(version)}) and retry with its ETag in If-Match` : message, etagOf(version));
}
