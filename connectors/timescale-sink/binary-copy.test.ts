import { encodeBinaryCopy } from './binary-copy';

describe('encodeBinaryCopy', () => {
  it('writes the signature, one tuple per row with each field length-prefixed, NULL as -1, and the trailer', () => {
    const data = encodeBinaryCopy([
      { type: 'text', values: ['é', null] },
      { type: 'timestamptz', values: [Date.UTC(2000, 0, 1, 0, 0, 1), Date.UTC(1999, 11, 31, 23, 59, 59)] },
      { type: 'float8', values: [1.5, -0] },
      { type: 'int8', values: [2 ** 40 + 7, -2] },
      { type: 'int4', values: [-1, 7] },
      { type: 'bool', values: [true, false] },
    ]);
    expect(data.subarray(0, 11).toString('latin1')).toBe('PGCOPY\n\xff\r\n\0');
    expect(data.readInt32BE(11)).toBe(0);
    expect(data.readInt32BE(15)).toBe(0);
    let at = 19;
    const field = (length: number) => {
      expect(data.readInt32BE(at)).toBe(length);
      at += 4;
      const value = data.subarray(at, at + Math.max(length, 0));
      at += Math.max(length, 0);
      return value;
    };
    expect(data.readInt16BE(at)).toBe(6);
    at += 2;
    expect(field(2).toString('utf8')).toBe('é');
    expect(field(8).readBigInt64BE()).toBe(1_000_000n); // microseconds since 2000-01-01
    expect(field(8).readDoubleBE()).toBe(1.5);
    expect(field(8).readBigInt64BE()).toBe(2n ** 40n + 7n);
    expect(field(4).readInt32BE()).toBe(-1);
    expect(field(1)[0]).toBe(1);
    expect(data.readInt16BE(at)).toBe(6);
    at += 2;
    field(-1);
    expect(field(8).readBigInt64BE()).toBe(-1_000_000n);
    expect(Object.is(field(8).readDoubleBE(), -0)).toBe(true);
    expect(field(8).readBigInt64BE()).toBe(-2n);
    expect(field(4).readInt32BE()).toBe(7);
    expect(field(1)[0]).toBe(0);
    expect(data.readInt16BE(at)).toBe(-1);
    expect(data.length).toBe(at + 2);
  });

  it('refuses columns of different lengths and integers it cannot represent exactly', () => {
    expect(() => encodeBinaryCopy([{ type: 'int4', values: [1] }, { type: 'int4', values: [] }])).toThrow(/columns hold 1 and 0/);
    expect(() => encodeBinaryCopy([{ type: 'int8', values: [2 ** 60] }])).toThrow(/not a safe integer/);
  });
});
