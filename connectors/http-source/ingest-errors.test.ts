import { FleetstreamError } from '../../lib/errors';
import { IngestRefusal, ingestErrorAnswer } from './ingest-errors';

describe('the answers of the HTTP ingest to what it refuses', () => {
  it('challenges a 401 with Basic', () => {
    expect(ingestErrorAnswer(new FleetstreamError('UNAUTHENTICATED', 'no credentials'), 1000)).toEqual({
      body: { statusCode: 401, code: 'UNAUTHENTICATED', message: 'no credentials' },
      headers: { 'www-authenticate': 'Basic realm="fleetstream", charset="UTF-8"' },
    });
  });

  it('gives a 429 or 503 a Retry-After in whole seconds, its own or the default, at least 1', () => {
    expect(ingestErrorAnswer(new IngestRefusal('DEVICE_RATE_LIMITED', 'slow down', { retryAfterMs: 2500 }), 1000).headers).toEqual({ 'retry-after': '3' });
    expect(ingestErrorAnswer(new IngestRefusal('DEVICE_RATE_LIMITED', 'slow down', { retryAfterMs: 10 }), 1000).headers).toEqual({ 'retry-after': '1' });
    expect(ingestErrorAnswer(new FleetstreamError('INGEST_OVERLOADED', 'busy'), 5000)).toMatchObject({ body: { statusCode: 429 }, headers: { 'retry-after': '5' } });
    expect(ingestErrorAnswer(new FleetstreamError('DATABASE_UNAVAILABLE', 'registry away'), 2000)).toMatchObject({ body: { statusCode: 503 }, headers: { 'retry-after': '2' } });
  });

  it("carries a dead-lettered payload's reason", () => {
    expect(ingestErrorAnswer(new IngestRefusal('PAYLOAD_INVALID', 'payload is not JSON', { reason: 'malformed_json' }), 1000)).toEqual({
      body: { statusCode: 400, code: 'PAYLOAD_INVALID', message: 'payload is not JSON', reason: 'malformed_json' },
      headers: {},
    });
  });

  it("answers a body over Fastify's limit with 413, and anything unexpected with a 500 that tells nothing", () => {
    expect(ingestErrorAnswer(Object.assign(new Error('Request body is too large'), { code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413 }), 1000).body).toMatchObject({ statusCode: 413, code: 'PAYLOAD_TOO_LARGE' });
    expect(ingestErrorAnswer(new Error('secret detail'), 1000).body).toEqual({ statusCode: 500, code: 'INTERNAL', message: expect.not.stringContaining('secret') });
    expect(ingestErrorAnswer(new FleetstreamError('CONFIG_INVALID', 'secret detail'), 1000).body).toMatchObject({ statusCode: 500, code: 'INTERNAL' });
  });
});
