import type { ShadowResult } from '../../schemas/types';
import { shadowAnswer } from './shadow-answer';

const result = (fields: Partial<ShadowResult>): ShadowResult => ({
  requestId: 'r', tenant: 'a', site: 'b', device: 'c', operation: 'update', accepted: true, code: 200, error: null, message: null, version: 4, document: '{"version":4}', processedAt: 0, ...fields,
});

describe('shadowAnswer', () => {
  it('answers an accepted change with the document and its version as ETag', () => {
    expect(shadowAnswer(result({}))).toEqual({ etag: '"4"', document: '{"version":4}' });
  });

  it.each([
    [409, 'VersionConflict', 'SHADOW_VERSION_CONFLICT'],
    [400, 'StateTooDeep', 'SHADOW_INVALID'],
    [413, 'StateTooLarge', 'SHADOW_TOO_LARGE'],
    [404, 'NotFound', 'SHADOW_NOT_FOUND'],
  ])('turns a refusal with code %i (%s) into %s, with the current ETag', (code, error, expected) => {
    expect(() => shadowAnswer(result({ accepted: false, code, error, message: 'why', version: 5 }))).toThrow(expect.objectContaining({ code: expected, etag: '"5"', message: expect.stringContaining(`${error}: why`) }));
  });
});
