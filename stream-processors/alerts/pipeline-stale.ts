/**
 * The pipeline-stale alert: one per tenant and rule input, firing while the
 * pipeline behind the input lags by `staleAfter` or more (a rollups stage
 * stopped, or this processor far behind). While it fires the input's clock
 * stands still, so no series of it opens a no-data alert; this alert says
 * why. It is an alert like the others, on the same topic, of the rule
 * `_pipeline-stale` (no rule id of a document can start with `_`), evaluated
 * by the state machine of alert-state.ts over the input's lag in seconds.
 * Pure.
 */
import type { AlertRule, RuleInput } from '../../schemas/alert-rule';

export const PIPELINE_STALE_RULE_ID = '_pipeline-stale';

/** The series of the alert: `/<tenant>/_pipeline/<input>/lag`, its value the input's lag in seconds. */
export function pipelineStalePath(tenant: string, input: string): string {
  return `/${tenant}/_pipeline/${input}/lag`;
}

export function parsePipelineStalePath(path: string): { tenant: string; input: string } | undefined {
  const match = /^\/([^/]+)\/_pipeline\/([^/]+)\/lag$/.exec(path);
  return match ? { tenant: match[1]!, input: match[2]! } : undefined;
}

/** The rule of the alert: firing (critical) at once when the lag reaches `staleAfterMs`, resolved at once below it. */
export function pipelineStaleRule(tenant: string, input: string, staleAfterMs: number): AlertRule {
  const reads: RuleInput = input === 'raw' ? { kind: 'raw' } : { kind: 'rollup', resolution: input, field: 'count' };
  return {
    tenant,
    id: PIPELINE_STALE_RULE_ID,
    description: `the pipeline behind the ${input} input lags by ${staleAfterMs / 1000} s or more: no-data alerts of the input wait for it`,
    series: [pipelineStalePath(tenant, input)],
    deviceTags: {},
    reads,
    severities: [{ severity: 'critical', when: { op: '>=', value: staleAfterMs / 1000 }, forMs: 0 }],
    clear: { when: null, forMs: 0 },
    keepFiringForMs: 0,
    noData: null,
    labels: { pipeline: 'stale', input },
  };
}

/**
 * The (tenant, input) pairs to evaluate: those with a no-data rule on the
 * input, and those whose alert is open (their rules are gone: it resolves).
 * `needed`: whether the pair still has a no-data rule.
 */
export function pipelineStaleSubjects(noDataTenants: ReadonlyMap<string, ReadonlySet<string>>, open: Iterable<{ tenant: string; input: string }>): { tenant: string; input: string; needed: boolean }[] {
  const subjects = new Map<string, { tenant: string; input: string; needed: boolean }>();
  for (const [input, tenants] of noDataTenants) for (const tenant of tenants) subjects.set(`${tenant}\u0000${input}`, { tenant, input, needed: true });
  for (const { tenant, input } of open) {
    const key = `${tenant}\u0000${input}`;
    if (!subjects.has(key)) subjects.set(key, { tenant, input, needed: false });
  }
  return [...subjects.values()];
}
