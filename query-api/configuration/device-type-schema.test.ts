import { FleetstreamError } from '../../lib/errors';
import { checkDocument, compileDeviceTypeSchema } from './device-type-schema';

const schema = {
  type: 'object',
  properties: { interval_s: { type: 'integer', minimum: 1 }, server: { type: 'string', format: 'hostname', maxLength: 253 } },
  required: ['interval_s'],
  additionalProperties: false,
};

function refusal(run: () => void): FleetstreamError {
  try {
    run();
  } catch (error) {
    return error as FleetstreamError;
  }
  throw new Error('not refused');
}

describe('device-type schemas', () => {
  it('accept a document that satisfies the schema', () => {
    expect(() => checkDocument('em24', compileDeviceTypeSchema('em24', schema), { interval_s: 30, server: 'mqtt.example.com' })).not.toThrow();
  });

  it('refuse one that does not, with every one of ajv\'s errors', () => {
    const error = refusal(() => checkDocument('em24', compileDeviceTypeSchema('em24', schema), { interval_s: 0, server: 'not a host!', extra: 1 }));
    expect(error.code).toBe('CONFIG_DOCUMENT_INVALID');
    expect(error.message).toMatch(/config\/interval_s must be >= 1/);
    expect((error.problems as { keyword: string; instancePath: string }[]).map((p) => [p.keyword, p.instancePath]).sort()).toEqual([
      ['additionalProperties', ''], ['format', '/server'], ['minimum', '/interval_s'],
    ]);
  });

  it('refuse a schema that is no JSON Schema, has an unknown keyword or format, or is no object', () => {
    expect(refusal(() => compileDeviceTypeSchema('t', { type: 'objekt' }))).toMatchObject({ code: 'CONFIG_DOCUMENT_INVALID', message: expect.stringMatching(/not valid JSON Schema/) });
    expect(refusal(() => compileDeviceTypeSchema('t', { type: 'object', requried: ['a'] })).message).toMatch(/unknown keyword: "requried"/);
    expect(refusal(() => compileDeviceTypeSchema('t', { type: 'string', format: 'colour', maxLength: 9 })).message).toMatch(/unknown format "colour"/);
    expect(refusal(() => compileDeviceTypeSchema('t', [1])).message).toMatch(/not a JSON Schema object/);
  });

  it('refuse a schema whose checks could take unbounded time on a large document: a pattern or format without maxLength', () => {
    const error = refusal(() => compileDeviceTypeSchema('t', { type: 'object', properties: { name: { type: 'string', pattern: '^(a+)+$' } } }));
    expect(error).toMatchObject({ code: 'CONFIG_DOCUMENT_INVALID', message: expect.stringMatching(/may make checking a document slow.*maxLength/) });
    expect(() => compileDeviceTypeSchema('t', { type: 'object', properties: { name: { type: 'string', pattern: '^[a-z]+$', maxLength: 32 } } })).not.toThrow();
  });
});
