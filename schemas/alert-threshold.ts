/**
 * Threshold conditions of alert rules: `> 80`, `<= 0.5`, `== 0`, written as
 * one string in a rule document. Pure.
 */
export const comparisons = ['>=', '<=', '==', '!=', '>', '<'] as const;
export type Comparison = (typeof comparisons)[number];

export interface Threshold {
  op: Comparison;
  value: number;
}

const pattern = /^\s*(>=|<=|==|!=|>|<)\s*(-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)\s*$/;

/** The threshold a text states, or undefined when it states none. */
export function parseThreshold(text: string): Threshold | undefined {
  const match = pattern.exec(text);
  if (!match) return undefined;
  const value = Number(match[2]);
  return Number.isFinite(value) ? { op: match[1] as Comparison, value } : undefined;
}

export function thresholdHolds(threshold: Threshold, value: number): boolean {
  switch (threshold.op) {
    case '>':
      return value > threshold.value;
    case '>=':
      return value >= threshold.value;
    case '<':
      return value < threshold.value;
    case '<=':
      return value <= threshold.value;
    case '==':
      return value === threshold.value;
    case '!=':
      return value !== threshold.value;
  }
}

export function describeThreshold(threshold: Threshold): string {
  return `${threshold.op} ${threshold.value}`;
}
