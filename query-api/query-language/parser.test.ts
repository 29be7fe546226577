import { parseQuery, parseTimeExpression } from './parser';
import { QuerySyntaxError } from './syntax-error';
import { resolveTime } from './time';

const day = 86_400_000;

function syntaxError(query: string): QuerySyntaxError {
  try {
    parseQuery(query);
  } catch (error) {
    if (error instanceof QuerySyntaxError) return error;
    throw error;
  }
  throw new Error(`expected a syntax error for ${query}`);
}

describe('parseQuery', () => {
  it('parses the four forms of the Zenatix seed', () => {
    expect(parseQuery('select data before now where path = "/acme/p1/m1/kwh"')).toEqual({
      form: 'select',
      range: { kind: 'before', time: { kind: 'now', offsetMs: 0 } },
      where: { kind: 'equals', path: '/acme/p1/m1/kwh' },
    });
    expect(parseQuery('Select data after 1700000000000 where path="/a/b"')).toEqual({
      form: 'select',
      range: { kind: 'after', time: { kind: 'absolute', epochMs: 1700000000000, offsetMs: 0 } },
      where: { kind: 'equals', path: '/a/b' },
    });
    expect(parseQuery('select data in (2024-01-01, 2024-01-02T12:00:00Z) where path = "/a/b"')).toEqual({
      form: 'select',
      range: { kind: 'in', start: { kind: 'absolute', epochMs: Date.UTC(2024, 0, 1), offsetMs: 0 }, end: { kind: 'absolute', epochMs: Date.UTC(2024, 0, 2, 12), offsetMs: 0 } },
      where: { kind: 'equals', path: '/a/b' },
    });
    expect(parseQuery('apply sum to data in ("2024-01-01", "now") where path = "/a/b"')).toEqual({
      form: 'apply',
      aggregate: 'sum',
      start: { kind: 'absolute', epochMs: Date.UTC(2024, 0, 1), offsetMs: 0 },
      end: { kind: 'now', offsetMs: 0 },
      where: { kind: 'equals', path: '/a/b' },
    });
  });

  it('parses every aggregate, natural, like patterns and limit', () => {
    for (const aggregate of ['sum', 'mean', 'min', 'max', 'count', 'delta', 'natural']) {
      expect(parseQuery(`APPLY ${aggregate} TO DATA IN (now - 1d, now) WHERE PATH LIKE "/acme/%" LIMIT 5`)).toMatchObject({
        form: 'apply',
        aggregate,
        start: { kind: 'now', offsetMs: -day },
        where: { kind: 'like', pattern: '/acme/%' },
        limit: 5,
      });
    }
  });

  it('reads offsets in every unit, chained, with or without spaces', () => {
    const offsets = { '30s': -30_000, '5m': -300_000, '2h': -7_200_000, '1d': -day, '2w': -14 * day };
    for (const [text, offsetMs] of Object.entries(offsets)) {
      expect(parseTimeExpression(`now-${text}`)).toEqual({ kind: 'now', offsetMs });
    }
    expect(parseTimeExpression('now - 1d + 2h')).toEqual({ kind: 'now', offsetMs: -day + 7_200_000 });
    expect(parseTimeExpression('2024-03-01T00:00:00+01:00 + 1h')).toEqual({ kind: 'absolute', epochMs: Date.UTC(2024, 1, 29, 23), offsetMs: 3_600_000 });
  });

  it('keeps escaped quotes in paths and LIKE escapes in patterns', () => {
    expect(parseQuery('select data before now where path = "/a/\\"b\\""')).toMatchObject({ where: { path: '/a/"b"' } });
    expect(parseQuery("select data before now where path like '/a/x\\_y%'")).toMatchObject({ where: { pattern: '/a/x\\_y%' } });
  });

  it('resolves now and offsets against the clock it is given', () => {
    expect(resolveTime(parseTimeExpression('now - 1d'), 10 * day)).toBe(9 * day);
    expect(resolveTime(parseTimeExpression('"1700000000000"'), 0)).toBe(1700000000000);
    expect(() => resolveTime(parseTimeExpression('now - 1000000w'), 0)).toThrow(/outside the years/);
  });

  it.each([
    ['', 0, ['select', 'apply']],
    ['select data where path = "/a"', 12, ['before', 'after', 'in']],
    ['select data before now path = "/a"', 23, ['where']],
    ['select data before now where path = /a', 36, ['a quoted path such as "/tenant/site/device/metric"']],
    ['select data before now where path = "a"', 36, ['a path starting with "/"']],
    ['select data in (now, ) where path = "/a"', 21, ['a time: now, an ISO 8601 time or epoch milliseconds']],
    ['select data in (now now) where path = "/a"', 20, ['","']],
    ['apply average to data in (now, now) where path = "/a"', 6, ['sum', 'mean', 'min', 'max', 'count', 'delta', 'natural']],
    ['select data before now - 1q where path = "/a"', 26, ['a duration unit (ms, s, m, h, d, w, y) right after the number']],
    ['select data before 2024-13-01 where path = "/a"', 19, ['a valid ISO 8601 time']],
    ['select data before now where path = "/a" limit 0', 47, ['a whole number from 1 to 1000000000']],
    ['select data before now where path = "/a" extra', 41, ['limit', 'end of query']],
    ['select data before now where path = "/a', 39, ['closing " of the string opened at position 36']],
    ['select data before now where path ~ "/a"', 34, ['=', 'like']],
    ['select data before now; drop table series', 22, ['where']],
  ])('rejects %j at position %i, saying what was expected', (query, position, expected) => {
    const error = syntaxError(query);
    expect(error.code).toBe('QUERY_SYNTAX');
    expect(error.position).toBe(position);
    expect(error.expected).toEqual(expected);
    expect(error.message).toMatch(new RegExp(`^at position ${position}: expected`));
  });

  it('refuses an overlong query', () => {
    expect(syntaxError(`select data before now where path = "/${'a'.repeat(5000)}"`).expected[0]).toMatch(/at most 4096 characters/);
  });
});

describe('parseQuery on random input', () => {
  // a deterministic generator, so a failure can be replayed
  function random(seed: number): () => number {
    let state = seed >>> 0;
    return () => {
      state = (state * 1664525 + 1013904223) >>> 0;
      return state / 2 ** 32;
    };
  }
  const fragments = ['select', 'apply', 'data', 'before', 'after', 'in', 'to', 'where', 'path', 'like', 'limit', 'now', 'sum', 'natural',
    '(', ')', ',', '=', '-', '+', '"', "'", '\\', '"/a/%"', '1d', '5x', '2024-01-01', '2024-02-30T25:00', '1700000000000', '99999999999999999999', ' ', ' ', '%', '\u0000', 'é', '.', '1.5'];
  const valid = [
    'select data before now - 1d where path = "/acme/s/d/m" limit 3',
    'apply natural to data in (2024-01-01T00:00:00Z, now) where path like "/acme/%"',
    'select data in ("2024-01-01", 1700000000000) where path = "/a/b"',
  ];

  function expectOnlySyntaxErrors(query: string): void {
    try {
      parseQuery(query);
    } catch (error) {
      if (!(error instanceof QuerySyntaxError)) throw new Error(`non-syntax error for ${JSON.stringify(query)}: ${String(error)}`);
      expect(Number.isInteger(error.position)).toBe(true);
      expect(error.position).toBeGreaterThanOrEqual(0);
      expect(error.position).toBeLessThanOrEqual(query.length);
      expect(error.expected.length).toBeGreaterThan(0);
    }
  }

  it('never throws anything but a QuerySyntaxError with a position and what was expected', () => {
    const next = random(42);
    for (let i = 0; i < 10000; i++) {
      let query = '';
      const parts = Math.floor(next() * 16);
      for (let p = 0; p < parts; p++) {
        query += next() < 0.8 ? fragments[Math.floor(next() * fragments.length)] + (next() < 0.7 ? ' ' : '') : String.fromCharCode(Math.floor(next() * 0x2fff));
      }
      expectOnlySyntaxErrors(query);
    }
  });

  it('never throws anything else on mutations of valid queries', () => {
    const next = random(7);
    for (let i = 0; i < 10000; i++) {
      const base = valid[i % valid.length] as string;
      const at = Math.floor(next() * base.length);
      const cut = Math.floor(next() * 4);
      const insert = next() < 0.5 ? '' : fragments[Math.floor(next() * fragments.length)];
      expectOnlySyntaxErrors(base.slice(0, at) + insert + base.slice(at + cut));
    }
  });
});
