import { aggregateRequests, type AggregateRequest } from '../aggregate';
import type { ApplyQuery, PathFilter, Query, SelectQuery, SelectRange, TimeExpression } from './ast';
import { describeAt, Lexer, type Token } from './lexer';
import { QuerySyntaxError } from './syntax-error';
import { parseIsoTime } from './time';

/** Longest query text accepted; longer ones are refused before tokenizing. */
export const maxQueryLength = 4096;
const maxLimit = 1_000_000_000;
const maxOffset = 8.64e15;

/**
 * Recursive-descent parser of the sMAP-style query language. Pure: no I/O, no
 * clock (`now` stays symbolic until resolveTime). Throws only QuerySyntaxError.
 *
 *   query  := select | apply
 *   select := 'select' 'data' ( 'before' time | 'after' time | 'in' range ) where [limit]
 *   apply  := 'apply' aggregate 'to' 'data' 'in' range where [limit]
 *   range  := '(' time ',' time ')'
 *   time   := ( 'now' | ISO-8601 | epoch-ms | "quoted ISO-8601, epoch-ms or now" ) { ('+'|'-') duration }
 *   where  := 'where' 'path' ( '=' string | 'like' string )
 *   limit  := 'limit' whole-number
 * Keywords are case-insensitive; durations are a number and a unit: 30s 5m 1h 1d 2w.
 */
export function parseQuery(input: string): Query {
  if (input.length > maxQueryLength) {
    throw new QuerySyntaxError(maxQueryLength, [`a query of at most ${maxQueryLength} characters`], `${input.length} characters`);
  }
  return new Parser(input).query();
}

/** Parses a time on its own (REST `start`/`end` parameters), with the same syntax as in a query. */
export function parseTimeExpression(input: string): TimeExpression {
  if (input.length > 200) throw new QuerySyntaxError(200, ['a time of at most 200 characters'], `${input.length} characters`);
  const parser = new Parser(input);
  const time = parser.time();
  parser.end();
  return time;
}

function describe(token: Token): string {
  if (token.kind === 'end') return 'end of query';
  if (token.kind === 'string') return `string ${JSON.stringify(token.text.length > 30 ? `${token.text.slice(0, 30)}...` : token.text)}`;
  return JSON.stringify(token.text.length > 30 ? `${token.text.slice(0, 30)}...` : token.text);
}

class Parser {
  private readonly lexer: Lexer;

  constructor(private readonly input: string) {
    this.lexer = new Lexer(input);
  }

  query(): Query {
    const head = this.expectWord(['select', 'apply']);
    const query = head === 'select' ? this.select() : this.apply();
    this.end();
    return query;
  }

  end(): void {
    const token = this.peek();
    if (token.kind !== 'end') this.fail(['end of query']);
  }

  time(): TimeExpression {
    const token = this.next();
    let time: TimeExpression;
    if (token.kind === 'word' && token.text.toLowerCase() === 'now') {
      time = { kind: 'now', offsetMs: 0 };
    } else if (token.kind === 'iso' || token.kind === 'number') {
      time = { kind: 'absolute', epochMs: token.value ?? 0, offsetMs: 0 };
    } else if (token.kind === 'string') {
      time = this.quotedTime(token);
    } else {
      this.failAt(token, ['a time: now, an ISO 8601 time or epoch milliseconds']);
    }
    for (;;) {
      const sign = this.peek();
      if (sign.kind !== 'punct' || (sign.text !== '+' && sign.text !== '-')) return time;
      this.next();
      const duration = this.next();
      if (duration.kind !== 'duration') {
        this.failAt(duration, ['a duration such as 30s, 5m, 1h, 1d or 2w']);
      }
      const offsetMs = time.offsetMs + (sign.text === '-' ? -1 : 1) * (duration.value ?? 0);
      if (Math.abs(offsetMs) > maxOffset) throw new QuerySyntaxError(duration.position, [`offsets adding up to at most ${maxOffset} ms`], describe(duration));
      time = { ...time, offsetMs };
    }
  }

  private select(): SelectQuery {
    this.expectWord(['data']);
    const kind = this.expectWord(['before', 'after', 'in']);
    let range: SelectRange;
    if (kind === 'in') {
      const [start, end] = this.range();
      range = { kind: 'in', start, end };
    } else {
      range = { kind: kind as 'before' | 'after', time: this.time() };
    }
    const where = this.where();
    const limit = this.limit();
    return limit === undefined ? { form: 'select', range, where } : { form: 'select', range, where, limit };
  }

  private apply(): ApplyQuery {
    const aggregate = this.expectWord(aggregateRequests) as AggregateRequest;
    this.expectWord(['to']);
    this.expectWord(['data']);
    this.expectWord(['in']);
    const [start, end] = this.range();
    const where = this.where();
    const limit = this.limit();
    const query: ApplyQuery = { form: 'apply', aggregate, start, end, where };
    return limit === undefined ? query : { ...query, limit };
  }

  private range(): [TimeExpression, TimeExpression] {
    this.expectPunct('(');
    const start = this.time();
    this.expectPunct(',');
    const end = this.time();
    this.expectPunct(')');
    return [start, end];
  }

  private where(): PathFilter {
    this.expectWord(['where']);
    this.expectWord(['path']);
    const operator = this.next();
    const isEquals = operator.kind === 'punct' && operator.text === '=';
    const isLike = operator.kind === 'word' && operator.text.toLowerCase() === 'like';
    if (!isEquals && !isLike) this.failAt(operator, ['=', 'like']);
    const value = this.next();
    if (value.kind !== 'string') this.failAt(value, ['a quoted path such as "/tenant/site/device/metric"']);
    if (!value.text.startsWith('/')) throw new QuerySyntaxError(value.position, ['a path starting with "/"'], describe(value));
    return isEquals ? { kind: 'equals', path: value.text } : { kind: 'like', pattern: value.text };
  }

  private limit(): number | undefined {
    const token = this.peek();
    if (token.kind !== 'word' || token.text.toLowerCase() !== 'limit') {
      if (token.kind !== 'end') this.fail(['limit', 'end of query']);
      return undefined;
    }
    this.next();
    const n = this.next();
    if (n.kind !== 'number' || (n.value ?? 0) < 1 || (n.value ?? 0) > maxLimit) {
      this.failAt(n, [`a whole number from 1 to ${maxLimit}`]);
    }
    return n.value;
  }

  private quotedTime(token: Token): TimeExpression {
    const text = token.text.trim();
    if (text.toLowerCase() === 'now') return { kind: 'now', offsetMs: 0 };
    if (/^\d{1,16}$/.test(text)) return { kind: 'absolute', epochMs: Number(text), offsetMs: 0 };
    const epochMs = parseIsoTime(text);
    if (epochMs === undefined) throw new QuerySyntaxError(token.position, ['a time: now, an ISO 8601 time or epoch milliseconds'], describe(token));
    return { kind: 'absolute', epochMs, offsetMs: 0 };
  }

  private expectWord(words: readonly string[]): string {
    const token = this.peek();
    const word = token.kind === 'word' ? token.text.toLowerCase() : undefined;
    if (word === undefined || !words.includes(word)) this.fail([...words]);
    this.next();
    return word as string;
  }

  private expectPunct(text: string): void {
    const token = this.peek();
    if (token.kind !== 'punct' || token.text !== text) this.fail([`"${text}"`]);
    this.next();
  }

  private peek(): Token {
    return this.lexer.peek();
  }

  private next(): Token {
    return this.lexer.next();
  }

  private failAt(token: Token, expected: string[]): never {
    throw new QuerySyntaxError(token.position, expected, token.kind === 'invalid' ? describeAt(this.input, token.position) : describe(token));
  }

  private fail(expected: string[]): never {
    this.failAt(this.peek(), expected);
  }
}
