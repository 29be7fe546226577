/**
 * The alert benchmarks' rules and series (issue 17): `sites` x `metrics`
 * rules, rule r watching metric m<r / sites> of every device at site
 * site<r % sites> (`/bench/site<s>/* /m<m>`, without the space), and
 * `devicesPerSite` devices per site, each with every metric: so every series
 * is read by exactly one rule, and a reading is one evaluation. 100 sites,
 * 10 metrics and 100 devices a site: 1,000 rules over 100,000 series. Every
 * rule fires at once above 80 (warning; critical after 95 held a minute) and
 * resolves at once below 75. Pure.
 */
import { parseRuleDocument, type RuleDocument } from '../../schemas/alert-rule';
import type { Measurement } from '../../schemas/types';

export interface AlertSeriesLayout {
  sites: number;
  metrics: number;
  devicesPerSite: number;
}

export const benchTenant = 'bench';

export function ruleCount(layout: AlertSeriesLayout): number {
  return layout.sites * layout.metrics;
}

export function seriesCount(layout: AlertSeriesLayout): number {
  return layout.sites * layout.metrics * layout.devicesPerSite;
}

/** Series i: consecutive series belong to different rules (and land on different partitions). */
export function seriesOf(i: number, layout: AlertSeriesLayout): { path: string; site: string; device: string; metric: string } {
  const site = `site${i % layout.sites}`;
  const metric = `m${Math.floor(i / layout.sites) % layout.metrics}`;
  const device = `d${Math.floor(i / (layout.sites * layout.metrics))}`;
  return { path: `/${benchTenant}/${site}/${device}/${metric}`, site, device, metric };
}

/** The rule document: `ruleCount(layout)` rules of tenant `bench`. */
export function alertRuleDocument(layout: AlertSeriesLayout): RuleDocument {
  const rules = Array.from({ length: ruleCount(layout) }, (_, r) => ({
    id: `r${r}`,
    series: [`/${benchTenant}/site${r % layout.sites}/*/m${Math.floor(r / layout.sites)}`],
    severities: [
      { severity: 'warning', when: '> 80' },
      { severity: 'critical', when: '> 95', for: '1m' },
    ],
    clear: { when: '< 75' },
  }));
  return parseRuleDocument(JSON.stringify({ tenant: benchTenant, rules }), 'bench-alert-rules.json');
}

/**
 * Whether series i crosses the thresholds: every `crossingEvery`-th series
 * (0: none). Such a series reads 90 (firing) and 60 (resolved) by turns, so
 * each of its readings is a crossing; every other series reads 50.
 */
export function crosses(i: number, crossingEvery: number): boolean {
  return crossingEvery > 0 && i % crossingEvery === 0;
}

/** The value of the `round`-th reading (from 0) of series i. */
export function readingValue(i: number, round: number, crossingEvery: number): number {
  if (!crosses(i, crossingEvery)) return 50;
  return round % 2 === 0 ? 90 : 60;
}

/** The n-th reading of a run that reads the series round robin, at event time `time`. */
export function nthReading(n: number, time: number, layout: AlertSeriesLayout, crossingEvery: number): Measurement {
  const count = seriesCount(layout);
  const i = n % count;
  const series = seriesOf(i, layout);
  return { ...series, tenant: benchTenant, kind: 'non_additive', timestamp: time, value: readingValue(i, Math.floor(n / count), crossingEvery), unit: null, tags: {}, receivedAt: time, sourceTopic: null };
}
