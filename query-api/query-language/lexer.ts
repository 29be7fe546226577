import { readDuration } from '../../lib/duration';
import { QuerySyntaxError } from './syntax-error';
import { parseIsoTime } from './time';

export type TokenKind = 'word' | 'string' | 'number' | 'duration' | 'iso' | 'punct' | 'invalid' | 'end';

export interface Token {
  kind: TokenKind;
  /** The source text of the token (for a string, without its quotes, unescaped). */
  text: string;
  /** 0-based offset of the token's first character in the query. */
  position: number;
  /** number: its value; duration: milliseconds; iso: epoch milliseconds. */
  value?: number;
}

const punctuation = new Set(['(', ')', ',', '=', '-', '+']);
// A bare ISO 8601 time: date, optional T time with optional fraction and zone.
const isoPattern = /\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)?(?:Z|[+-]\d{2}:?\d{2})?/y;
const maxNumber = 8.64e15;

/** Describes the text at a position for an error message: the token-ish run of characters there. */
export function describeAt(input: string, position: number): string {
  if (position >= input.length) return 'end of query';
  const run = /[^\s()",=+'-]+/y;
  run.lastIndex = position;
  const match = run.exec(input);
  const text = match ? match[0] : input.charAt(position);
  return JSON.stringify(text.length > 30 ? `${text.slice(0, 30)}...` : text);
}

function isWordStart(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_';
}

function isDigit(c: string): boolean {
  return c >= '0' && c <= '9';
}

function isWordPart(c: string): boolean {
  return isWordStart(c) || isDigit(c);
}

function readString(input: string, start: number): { token: Token; next: number } {
  const quote = input.charAt(start);
  let text = '';
  for (let i = start + 1; i < input.length; i++) {
    const c = input.charAt(i);
    if (c === '\\' && i + 1 < input.length) {
      // keep `\%` and `\_` escaped for LIKE; unescape quotes and backslashes
      const n = input.charAt(i + 1);
      text += n === quote || n === '\\' ? n : `\\${n}`;
      i++;
    } else if (c === quote) {
      return { token: { kind: 'string', text, position: start }, next: i + 1 };
    } else {
      text += c;
    }
  }
  throw new QuerySyntaxError(input.length, [`closing ${quote} of the string opened at position ${start}`], 'end of query');
}

function readNumeric(input: string, start: number): { token: Token; next: number } {
  isoPattern.lastIndex = start;
  const iso = isoPattern.exec(input);
  if (iso && !isWordPart(input.charAt(start + iso[0].length))) {
    const epochMs = parseIsoTime(iso[0]);
    if (epochMs === undefined) throw new QuerySyntaxError(start, ['a valid ISO 8601 time'], describeAt(input, start));
    return { token: { kind: 'iso', text: iso[0], position: start, value: epochMs }, next: start + iso[0].length };
  }
  let i = start;
  while (i < input.length && isDigit(input.charAt(i))) i++;
  const digits = input.slice(start, i);
  const value = Number(digits);
  if (!(value <= maxNumber)) throw new QuerySyntaxError(start, [`a number of at most ${maxNumber}`], describeAt(input, start));
  if (i < input.length && isWordStart(input.charAt(i))) {
    let j = i;
    while (j < input.length && isWordPart(input.charAt(j))) j++;
    const duration = readDuration(input.slice(start, j));
    if (duration === undefined) throw new QuerySyntaxError(i, ['a duration unit (ms, s, m, h, d, w, y) right after the number'], describeAt(input, i));
    return { token: { kind: 'duration', text: input.slice(start, j), position: start, value: duration.ms }, next: j };
  }
  if (i < input.length && input.charAt(i) === '.') throw new QuerySyntaxError(i, ['a whole number'], describeAt(input, start));
  return { token: { kind: 'number', text: digits, position: start, value }, next: i };
}

/**
 * Reads tokens one at a time, as the parser asks for them, so an error is
 * reported at the first place the query goes wrong. A character that starts
 * no token becomes an `invalid` token: the parser then says what it expected
 * there. Throws only QuerySyntaxError.
 */
export class Lexer {
  private position = 0;
  private buffered: Token | undefined;

  constructor(private readonly input: string) {}

  peek(): Token {
    this.buffered ??= this.read();
    return this.buffered;
  }

  next(): Token {
    const token = this.peek();
    if (token.kind !== 'end') this.buffered = undefined;
    return token;
  }

  private read(): Token {
    const input = this.input;
    let i = this.position;
    while (i < input.length && /\s/.test(input.charAt(i))) i++;
    if (i >= input.length) {
      this.position = i;
      return { kind: 'end', text: '', position: input.length };
    }
    const c = input.charAt(i);
    let token: Token;
    let next: number;
    if (isWordStart(c)) {
      next = i + 1;
      while (next < input.length && isWordPart(input.charAt(next))) next++;
      token = { kind: 'word', text: input.slice(i, next), position: i };
    } else if (c === '"' || c === "'") {
      ({ token, next } = readString(input, i));
    } else if (isDigit(c)) {
      ({ token, next } = readNumeric(input, i));
    } else if (punctuation.has(c)) {
      token = { kind: 'punct', text: c, position: i };
      next = i + 1;
    } else {
      token = { kind: 'invalid', text: c, position: i };
      next = input.length;
    }
    this.position = next;
    return token;
  }
}
