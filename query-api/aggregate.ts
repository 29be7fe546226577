import { FleetstreamError } from '../lib/errors';
import type { ParameterKind } from '../schemas/types';

export type AggregateName = 'sum' | 'mean' | 'min' | 'max' | 'count' | 'delta';
/** What a query may ask for: an aggregate, or `natural` (the kind's own). */
export type AggregateRequest = AggregateName | 'natural';

export const aggregateNames: readonly AggregateName[] = ['sum', 'mean', 'min', 'max', 'count', 'delta'];
export const aggregateRequests: readonly AggregateRequest[] = [...aggregateNames, 'natural'];

/** The aggregate each kind rolls up to (ARCHITECTURE.md): consumption, total, average. */
export const naturalAggregate: Readonly<Record<ParameterKind, AggregateName>> = { energy: 'delta', additive: 'sum', non_additive: 'mean' };

/**
 * The one table of which aggregate makes sense for which kind: `true`, or why
 * not (sent to the client as the error message).
 */
export const aggregateMatrix: Readonly<Record<ParameterKind, Readonly<Record<AggregateName, true | string>>>> = {
  energy: {
    delta: true,
    count: true,
    min: true,
    max: true,
    sum: 'an energy counter reports running totals, so summing its readings counts the same energy again and again; use delta (or natural) for the consumption in the range',
    mean: 'the mean of an energy counter\'s running totals is not a quantity; use delta (or natural) for the consumption in the range',
  },
  additive: {
    sum: true,
    mean: true,
    count: true,
    min: true,
    max: true,
    delta: 'an additive series already reports increments, not a running counter; use sum (or natural) for the total in the range',
  },
  non_additive: {
    mean: true,
    min: true,
    max: true,
    count: true,
    sum: 'a gauge (temperature, power, voltage) reports a level, and the sum of levels means nothing; use mean (or natural), min or max',
    delta: 'a gauge (temperature, power, voltage) is not an increasing counter, so it has no consumption; use mean (or natural), min or max',
  },
};

/** The aggregate to compute for a series of `kind`; throws AGGREGATE_NOT_APPLICABLE, saying why, when it makes no sense. */
export function resolveAggregate(request: AggregateRequest, kind: ParameterKind, path: string): AggregateName {
  const aggregate = request === 'natural' ? naturalAggregate[kind] : request;
  const verdict = aggregateMatrix[kind][aggregate];
  if (verdict !== true) {
    throw new FleetstreamError('AGGREGATE_NOT_APPLICABLE', `${aggregate} of ${path} (kind ${kind}): ${verdict}`);
  }
  return aggregate;
}

/**
 * A mergeable summary of the readings in a span: rollup rows, raw readings and
 * their merges all have this shape. `delta` counts each reading's increment
 * against the series' previous reading (schemas/avro/rollup.avsc), so deltas of adjacent
 * spans add up exactly.
 */
export interface PartialAggregate {
  count: number;
  sum: number;
  /** null when count is 0 */
  min: number | null;
  max: number | null;
  delta: number;
  resets: number;
}

export const emptyPartial: PartialAggregate = Object.freeze({ count: 0, sum: 0, min: null, max: null, delta: 0, resets: 0 });

function lower(a: number | null, b: number | null): number | null {
  return a === null ? b : b === null ? a : Math.min(a, b);
}

function higher(a: number | null, b: number | null): number | null {
  return a === null ? b : b === null ? a : Math.max(a, b);
}

export function mergePartials(a: PartialAggregate, b: PartialAggregate): PartialAggregate {
  return {
    count: a.count + b.count,
    sum: a.sum + b.sum,
    min: lower(a.min, b.min),
    max: higher(a.max, b.max),
    delta: a.delta + b.delta,
    resets: a.resets + b.resets,
  };
}

/** The aggregate's value; an empty span has count, sum and delta 0 and no mean, min or max (null). */
export function aggregateValue(partial: PartialAggregate, aggregate: AggregateName): number | null {
  switch (aggregate) {
    case 'count':
      return partial.count;
    case 'sum':
      return partial.sum;
    case 'delta':
      return partial.delta;
    case 'min':
      return partial.min;
    case 'max':
      return partial.max;
    case 'mean':
      return partial.count === 0 ? null : partial.sum / partial.count;
  }
}
