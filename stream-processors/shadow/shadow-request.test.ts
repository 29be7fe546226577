import { defaultShadowLimits } from './shadow-limits';
import { parseShadowRequest } from './shadow-request';

const parse = (operation: 'update' | 'get' | 'delete', body: unknown, limits = defaultShadowLimits) =>
  parseShadowRequest(operation, Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)), limits);
const plain = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

describe('parseShadowRequest', () => {
  it('reads an update with both sections, a version and a clientToken', () => {
    const parsed = parse('update', { state: { desired: { a: 1 }, reported: null }, version: 3, clientToken: 'c-1' });
    expect(parsed.ok && plain(parsed.request)).toEqual({ operation: 'update', desired: { a: 1 }, reported: null, version: 3, clientToken: 'c-1' });
  });

  it('takes an empty payload, or one with only a version and clientToken, for get and delete', () => {
    expect(parseShadowRequest('get', Buffer.alloc(0), defaultShadowLimits)).toEqual({ ok: true, request: { operation: 'get' } });
    expect(parse('delete', { version: 4, clientToken: 'x' })).toEqual({ ok: true, request: { operation: 'delete', version: 4, clientToken: 'x' } });
    expect(parse('get', { state: {} })).toMatchObject({ ok: false, rejection: { code: 400, error: 'InvalidRequest' } });
  });

  it('refuses what is not JSON, not UTF-8, or not an object, with 400', () => {
    expect(parse('update', '{"state":')).toMatchObject({ ok: false, rejection: { code: 400, error: 'InvalidJson' } });
    expect(parseShadowRequest('update', Buffer.from([0x7b, 0xff, 0x7d]), defaultShadowLimits)).toMatchObject({ ok: false, rejection: { error: 'InvalidJson', message: expect.stringMatching(/UTF-8/) } });
    expect(parse('update', [1, 2])).toMatchObject({ ok: false, rejection: { error: 'InvalidRequest' } });
    expect(parse('update', '')).toMatchObject({ ok: false, rejection: { error: 'InvalidJson' } });
  });

  it('refuses unknown fields rather than ignoring them, naming them', () => {
    expect(parse('update', { state: { desierd: { a: 1 } } })).toMatchObject({ ok: false, rejection: { error: 'InvalidRequest', message: expect.stringContaining('"desierd"') } });
    expect(parse('update', { state: { desired: { a: 1 } }, versoin: 1 })).toMatchObject({ ok: false, rejection: { message: expect.stringContaining('"versoin"') } });
    expect(parse('update', { state: { delta: { a: 1 } } })).toMatchObject({ ok: false, rejection: { error: 'InvalidRequest' } });
  });

  it('refuses an update without state, with an empty state, or with a section that is no object', () => {
    expect(parse('update', { version: 1 })).toMatchObject({ ok: false, rejection: { error: 'InvalidRequest' } });
    expect(parse('update', { state: {} })).toMatchObject({ ok: false, rejection: { error: 'InvalidRequest' } });
    expect(parse('update', { state: { desired: [1] } })).toMatchObject({ ok: false, rejection: { error: 'InvalidRequest' } });
  });

  it('refuses a version that is not a whole number from 0, and a clientToken over 64 characters', () => {
    for (const version of [-1, 1.5, '3', null]) expect(parse('update', { state: { desired: { a: 1 } }, version })).toMatchObject({ ok: false, rejection: { error: 'InvalidRequest' } });
    expect(parse('update', { state: { desired: { a: 1 } }, clientToken: 'x'.repeat(65) })).toMatchObject({ ok: false, rejection: { error: 'InvalidRequest' } });
  });

  it('echoes the clientToken of a request it refuses, when it could read one', () => {
    expect(parse('update', { state: { desired: 5 }, clientToken: 'mine' })).toMatchObject({ ok: false, clientToken: 'mine' });
  });

  it('refuses a payload over maxRequestBytes with 413, before reading it', () => {
    const limits = { ...defaultShadowLimits, maxRequestBytes: 20 };
    expect(parse('update', { state: { desired: { a: 'x'.repeat(20) } } }, limits)).toMatchObject({ ok: false, rejection: { code: 413, error: 'PayloadTooLarge' } });
  });

  it('refuses a section nested deeper than maxDepth with 400 StateTooDeep', () => {
    const deep = { a: { b: { c: { d: { e: { f: 1 } } } } } };
    expect(parse('update', { state: { reported: deep } }).ok).toBe(true);
    expect(parse('update', { state: { reported: { z: deep } } })).toMatchObject({ ok: false, rejection: { code: 400, error: 'StateTooDeep' } });
  });

  it('refuses keys too long and numbers out of range', () => {
    expect(parse('update', { state: { desired: { ['k'.repeat(129)]: 1 } } })).toMatchObject({ ok: false, rejection: { error: 'InvalidRequest' } });
    expect(parse('update', '{"state":{"desired":{"a":1e400}}}')).toMatchObject({ ok: false, rejection: { error: 'InvalidRequest', message: expect.stringContaining('out of range') } });
  });
});
