import { absentShadow, applyShadowRequest, documentOf, shadowFromDocument, type Shadow } from './shadow-document';
import { defaultShadowLimits } from './shadow-limits';
import type { ShadowRequestInput } from './shadow-request';

const plain = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

function apply(shadow: Shadow, request: Omit<ShadowRequestInput, 'operation'> & { operation?: ShadowRequestInput['operation'] }, now = 1000, limits = defaultShadowLimits) {
  return applyShadowRequest(shadow, { operation: 'update', ...request }, now, limits);
}

function accepted(shadow: Shadow, request: Parameters<typeof apply>[1], now = 1000): Shadow {
  const result = apply(shadow, request, now);
  if (!result.accepted) throw new Error(`refused: ${result.rejection.message}`);
  return result.shadow;
}

describe('applyShadowRequest', () => {
  it('creates a shadow at version 1 with the delta of desired over reported', () => {
    const shadow = accepted(absentShadow(), { desired: { interval: 30, led: 'on' }, reported: { interval: 60 } }, 500);
    expect(plain(documentOf(shadow))).toEqual({
      state: { desired: { interval: 30, led: 'on' }, reported: { interval: 60 }, delta: { interval: 30, led: 'on' } },
      metadata: { desired: { interval: { timestamp: 500 }, led: { timestamp: 500 } }, reported: { interval: { timestamp: 500 } } },
      version: 1,
      timestamp: 500,
    });
  });

  it('adds 1 to the version on every accepted update, also one that sets the values already there', () => {
    let shadow = absentShadow();
    for (let i = 0; i < 3; i++) shadow = accepted(shadow, { reported: { a: 1 } });
    expect(shadow.version).toBe(3);
  });

  it('answers an update with what it applied, its metadata and the new version', () => {
    const first = accepted(absentShadow(), { desired: { a: 1, b: 2 } });
    const result = apply(first, { desired: { a: null, c: { d: 1 } } }, 2000);
    expect(result.accepted && plain(result.response)).toEqual({
      state: { desired: { a: null, c: { d: 1 } } },
      metadata: { desired: { a: { timestamp: 2000 }, c: { d: { timestamp: 2000 } } } },
      version: 2,
      timestamp: 2000,
    });
  });

  it('refuses a request whose version is not the current one with 409 VersionConflict, naming the current one', () => {
    const shadow = accepted(accepted(absentShadow(), { desired: { a: 1 } }), { desired: { a: 2 } });
    expect(apply(shadow, { desired: { a: 3 }, version: 1 })).toEqual({ accepted: false, rejection: { code: 409, error: 'VersionConflict', message: 'version 1 is not the current version 2' } });
    expect(apply(shadow, { desired: { a: 3 }, version: 2 })).toMatchObject({ accepted: true, shadow: { version: 3 } });
    expect(apply(absentShadow(), { desired: { a: 1 }, version: 0 })).toMatchObject({ accepted: true, shadow: { version: 1 } });
  });

  it('clears a whole section given null', () => {
    const shadow = accepted(accepted(absentShadow(), { desired: { a: 1 }, reported: { b: 1 } }), { desired: null });
    expect(plain(documentOf(shadow).state)).toEqual({ desired: {}, reported: { b: 1 }, delta: {} });
  });

  it('gets the whole document without changing it, and 404 NotFound when there is no shadow', () => {
    const shadow = accepted(absentShadow(), { desired: { a: 1 } });
    const got = apply(shadow, { operation: 'get' });
    expect(got).toMatchObject({ accepted: true, response: { version: 1, state: { delta: { a: 1 } } } });
    expect(got.accepted && got.shadow).toBe(shadow);
    expect(apply(absentShadow(), { operation: 'get' })).toMatchObject({ accepted: false, rejection: { code: 404, error: 'NotFound' } });
  });

  it('deletes a shadow, keeping its version counting: the next update goes on from it, and an old version is stale', () => {
    const shadow = accepted(accepted(absentShadow(), { desired: { a: 1 } }), { reported: { a: 1 } });
    const deleted = apply(shadow, { operation: 'delete' }, 3000);
    expect(deleted).toMatchObject({ accepted: true, shadow: { version: 3, exists: false }, response: { version: 3, timestamp: 3000 } });
    const after = (deleted as { shadow: Shadow }).shadow;
    expect(apply(after, { operation: 'get' })).toMatchObject({ accepted: false, rejection: { error: 'NotFound', message: expect.stringContaining('version 3') } });
    expect(apply(after, { operation: 'delete' })).toMatchObject({ accepted: false, rejection: { error: 'NotFound' } });
    expect(apply(after, { desired: { a: 2 }, version: 2 })).toMatchObject({ accepted: false, rejection: { error: 'VersionConflict' } });
    expect(plain(documentOf(accepted(after, { desired: { b: 1 } })))).toMatchObject({ version: 4, state: { desired: { b: 1 }, reported: {}, delta: { b: 1 } } });
  });

  it('refuses an update that would take the state past maxStateBytes (413 StateTooLarge), leaving the shadow as it was', () => {
    const limits = { ...defaultShadowLimits, maxStateBytes: 70 };
    const shadow = accepted(absentShadow(), { reported: { a: 'x'.repeat(20) } });
    const result = applyShadowRequest(shadow, { operation: 'update', desired: { b: 'y'.repeat(30) } }, 1, limits);
    expect(result).toMatchObject({ accepted: false, rejection: { code: 413, error: 'StateTooLarge' } });
    expect(plain(documentOf(shadow).state.desired)).toEqual({});
    // a delete that brings it back under the limit is accepted
    expect(applyShadowRequest(shadow, { operation: 'update', reported: { a: null }, desired: { b: 'y'.repeat(30) } }, 1, limits).accepted).toBe(true);
  });

  it('refuses an update that would hold more than maxKeys keys (413 TooManyKeys)', () => {
    const limits = { ...defaultShadowLimits, maxKeys: 3 };
    const shadow = accepted(absentShadow(), { reported: { a: { b: 1 } } });
    expect(applyShadowRequest(shadow, { operation: 'update', desired: { c: 1 } }, 1, limits).accepted).toBe(true);
    expect(applyShadowRequest(shadow, { operation: 'update', desired: { c: 1, d: 1 } }, 1, limits)).toMatchObject({ accepted: false, rejection: { code: 413, error: 'TooManyKeys' } });
  });
});

describe('shadowFromDocument', () => {
  it('reads back what documentOf stored: the same document, the same version', () => {
    const shadow = accepted(accepted(absentShadow(), { desired: { a: { b: [1, 2] } }, reported: { a: { b: [1] } } }, 10), { reported: { c: 'x' } }, 20);
    const stored = JSON.parse(JSON.stringify(documentOf(shadow))) as unknown;
    const restored = shadowFromDocument(stored, false);
    expect(plain(documentOf(restored))).toEqual(plain(documentOf(shadow)));
    expect(accepted(restored, { desired: { z: 1 }, version: 2 }).version).toBe(3);
  });

  it('reads a deleted shadow as absent with its version', () => {
    const restored = shadowFromDocument(JSON.parse(JSON.stringify(documentOf({ ...absentShadow(), version: 7, timestamp: 5 }))), true);
    expect(restored).toMatchObject({ version: 7, exists: false });
  });

  it('throws on a document without its fields', () => {
    expect(() => shadowFromDocument({ state: {} }, false)).toThrow(/not a shadow document/);
  });
});
