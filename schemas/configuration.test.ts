import { canonicalJson, configPayload, parseConfigAck, parsePresence, sha256Hex } from './configuration';

describe('canonicalJson (RFC 8785)', () => {
  it('serializes the RFC\'s example (its section 3.2.2) as the RFC does', () => {
    const input = JSON.parse('{"numbers":[333333333.33333329,1E30,4.50,2e-3,0.000000000000000000000000001],"string":"\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/","literals":[null,true,false]}');
    expect(canonicalJson(input)).toBe('{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}');
  });

  it('sorts keys by UTF-16 code units (the RFC\'s section 3.2.3 example)', () => {
    const input = JSON.parse('{"\\u20ac":"Euro Sign","\\r":"Carriage Return","\\ufb33":"Hebrew Letter Dalet With Dagesh","1":"One","\\ud83d\\ude00":"Emoji: Grinning Face","\\u0080":"Control","\\u00f6":"Latin Small Letter O With Diaeresis"}');
    const keys = Object.keys(JSON.parse(canonicalJson(input)) as object);
    // JSON.parse keeps "1" first (an integer-like key); the text's order is what counts
    expect(canonicalJson(input).indexOf('"\\r"')).toBeLessThan(canonicalJson(input).indexOf('"1"'));
    expect(keys.slice(1)).toEqual(['\r', '\u0080', '\u00f6', '\u20ac', '\ud83d\ude00', '\ufb33']);
  });

  it('nests, keeps array order, writes no whitespace, and gives equal values equal text whatever their key order', () => {
    expect(canonicalJson({ b: [3, { y: 1, x: 2 }], a: 'x y' })).toBe('{"a":"x y","b":[3,{"x":2,"y":1}]}');
    expect(canonicalJson({ a: 1, b: { c: 2, d: 3 } })).toBe(canonicalJson({ b: { d: 3, c: 2 }, a: 1 }));
    expect(canonicalJson(-0)).toBe('0');
  });

  it('refuses what JSON cannot hold', () => {
    expect(() => canonicalJson(Number.NaN)).toThrow(/no JSON form/);
    expect(() => canonicalJson({ a: undefined })).toThrow(/no JSON form/);
    expect(() => canonicalJson(new Date(0))).toThrow(/Date has no JSON form/);
    expect(() => canonicalJson('\ud800x')).toThrow(/lone surrogate/);
    expect(canonicalJson('\ud83d\ude00')).toBe('"\ud83d\ude00"');
  });
});

describe('the config payload', () => {
  it('carries the version, the hash and the canonical configuration, itself canonical', () => {
    const config = canonicalJson({ interval_s: 30, name: 'a' });
    const sha256 = sha256Hex(config);
    const payload = configPayload(4, sha256, config);
    const parsed = JSON.parse(payload.toString()) as { config: unknown; sha256: string; version: number };
    expect(parsed).toEqual({ version: 4, sha256, config: { interval_s: 30, name: 'a' } });
    expect(payload.toString()).toBe(canonicalJson(parsed));
    expect(sha256Hex(canonicalJson(parsed.config))).toBe(sha256);
    // what `printf '{"interval_s":30,"name":"a"}' | sha256sum` prints
    expect(sha256).toBe('dde58464c1d0f806859119fe924d35d2fcd0c470a849ac6f04fc3806ff23d889');
  });
});

describe('parseConfigAck', () => {
  const ack = (value: unknown) => parseConfigAck(Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)));

  it('reads an acknowledgement, detail optional', () => {
    expect(ack({ version: 3, sha256: 'ab', status: 'applied', detail: 'ok' })).toEqual({ ack: { version: 3, sha256: 'ab', status: 'applied', detail: 'ok' } });
    expect(ack({ version: 3, sha256: 'ab', status: 'failed' })).toEqual({ ack: { version: 3, sha256: 'ab', status: 'failed', detail: '' } });
  });

  it('says what is wrong with one that is not', () => {
    expect(ack('{oops')).toEqual({ problem: 'the acknowledgement is not JSON' });
    expect(ack([1])).toEqual({ problem: 'the acknowledgement is not a JSON object' });
    expect(ack({ version: '3', sha256: 'ab', status: 'applied' })).toMatchObject({ problem: expect.stringContaining('"version"') });
    expect(ack({ version: null, sha256: '', status: 'rejected' })).toMatchObject({ problem: expect.stringContaining('"version"') });
    expect(ack({ version: 3, sha256: '', status: 'applied' })).toMatchObject({ problem: expect.stringContaining('"sha256"') });
    expect(ack({ version: 3, sha256: 'ab', status: 'done' })).toMatchObject({ problem: expect.stringContaining('"status"') });
    expect(ack({ version: 3, sha256: 'ab', status: 'applied', detail: 5 })).toMatchObject({ problem: expect.stringContaining('"detail"') });
  });
});

describe('parsePresence', () => {
  it('reads online and offline, nothing else', () => {
    expect(parsePresence(Buffer.from('online'))).toBe('online');
    expect(parsePresence(Buffer.from(' offline\n'))).toBe('offline');
    expect(parsePresence(Buffer.from('ONLINE'))).toBeUndefined();
    expect(parsePresence(Buffer.from('{"status":"online"}'))).toBeUndefined();
  });
});
