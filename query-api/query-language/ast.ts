import type { AggregateRequest } from '../aggregate';

/** A time as written: an absolute instant, or `now`, each plus a sum of offsets. */
export type TimeExpression =
  | { kind: 'absolute'; epochMs: number; offsetMs: number }
  | { kind: 'now'; offsetMs: number };

export type PathFilter =
  | { kind: 'equals'; path: string }
  /** SQL LIKE pattern: `%` any run of characters, `_` one character, `\` escapes. */
  | { kind: 'like'; pattern: string };

export type SelectRange =
  | { kind: 'before'; time: TimeExpression }
  | { kind: 'after'; time: TimeExpression }
  | { kind: 'in'; start: TimeExpression; end: TimeExpression };

export interface SelectQuery {
  form: 'select';
  range: SelectRange;
  where: PathFilter;
  /** Readings per series (sMAP): `before`/`after` default to 1. */
  limit?: number;
}

export interface ApplyQuery {
  form: 'apply';
  aggregate: AggregateRequest;
  start: TimeExpression;
  end: TimeExpression;
  where: PathFilter;
  /** At most this many series. */
  limit?: number;
}

export type Query = SelectQuery | ApplyQuery;
