import { desiredPatch, etagOf, ifMatchVersion } from './patch-request';

describe('desiredPatch', () => {
  it('takes {"state": {"desired": {...}}}, and null to clear desired', () => {
    expect(desiredPatch({ state: { desired: { a: 1, b: null } } })).toEqual({ a: 1, b: null });
    expect(desiredPatch({ state: { desired: null } })).toBeNull();
  });

  it('refuses reported (the device says that), other fields, and a body of another shape, naming them', () => {
    expect(() => desiredPatch({ state: { desired: {}, reported: { a: 1 } } })).toThrow(expect.objectContaining({ code: 'SHADOW_INVALID', message: expect.stringContaining('"reported"') }));
    expect(() => desiredPatch({ state: { desired: {} }, version: 3 })).toThrow(expect.objectContaining({ message: expect.stringContaining('If-Match') }));
    for (const body of [undefined, 'text', [1], { state: {} }, { state: { desired: [1] } }, { desired: { a: 1 } }]) {
      expect(() => desiredPatch(body)).toThrow(expect.objectContaining({ code: 'SHADOW_INVALID' }));
    }
  });
});

describe('ifMatchVersion', () => {
  it('reads the version of one strong ETag, and none without the header', () => {
    expect(ifMatchVersion('"7"')).toBe(7);
    expect(ifMatchVersion(' "0" ')).toBe(0);
    expect(ifMatchVersion(undefined)).toBeUndefined();
    expect(etagOf(7)).toBe('"7"');
  });

  it('refuses a bare number, a weak ETag, a list and *, saying what to send', () => {
    for (const header of ['7', 'W/"7"', '"6", "7"', '*', '"x"']) {
      expect(() => ifMatchVersion(header)).toThrow(expect.objectContaining({ code: 'SHADOW_INVALID', message: expect.stringContaining('ETag') }));
    }
  });
});
