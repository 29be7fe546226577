/**
 * The rules in force, and which of them read a given input record: a raw
 * reading is read by the `raw` rules whose patterns match its path (and
 * whose tags its device holds in the registry), a FINAL
 * rollup by the rules of its resolution (a provisional rollup by none: it
 * may never page on its own). Pure.
 */
import type { Measurement, Rollup } from '../../schemas/types';
import { seriesMatcher, type AlertRule, type RollupField } from '../../schemas/alert-rule';
import type { Sample } from './alert-state';
import type { PathMatcher } from '../../schemas/series-pattern';
import { inputName } from './pipeline-readers';
import { ruleKey } from './rule-changes';

export interface BoundRule {
  key: string;
  rule: AlertRule;
}

/** One rule's reading of one input record. */
export interface RuleSample extends BoundRule {
  sample: Sample;
}

/** Paths whose matching rules are remembered; past it the longest remembered is forgotten. */
const REMEMBERED_PATHS = 250_000;

/** The registry tags of the device of a series path; undefined for a device the registry does not hold. */
export type DeviceTagsOf = (path: string) => Readonly<Record<string, string>> | undefined;

export class RuleBook {
  private readonly rules: { bound: BoundRule; matches: PathMatcher }[];
  private readonly byPath = new Map<string, BoundRule[]>();
  private readonly byKey: Map<string, AlertRule>;

  /** `deviceTagsOf`: for rules that select by tags; a device it does not know holds none. */
  constructor(rules: readonly AlertRule[], deviceTagsOf: DeviceTagsOf = () => undefined) {
    this.rules = rules.map((rule) => {
      const matchesPath = seriesMatcher(rule);
      const wanted = Object.entries(rule.deviceTags);
      const matches: PathMatcher = wanted.length === 0 ? matchesPath : (path) => matchesPath(path) && holdsTags(deviceTagsOf(path), wanted);
      return { bound: { key: ruleKey(rule.tenant, rule.id), rule }, matches };
    });
    this.byKey = new Map(this.rules.map((r) => [r.bound.key, r.bound.rule]));
  }

  get size(): number {
    return this.rules.length;
  }

  /** Whether any rule reads `raw`, or the rollups of `resolution`: records no rule reads need not be decoded. */
  reads(input: 'raw' | { resolution: string }): boolean {
    return this.rules.some(({ bound: { rule } }) => (input === 'raw' ? rule.reads.kind === 'raw' : rule.reads.kind === 'rollup' && rule.reads.resolution === input.resolution));
  }

  private noDataByInput: Map<string, Set<string>> | undefined;

  /** Per rule input (`raw` or a resolution), the tenants with a rule that has a noData condition on it. */
  noDataTenants(): ReadonlyMap<string, ReadonlySet<string>> {
    if (this.noDataByInput) return this.noDataByInput;
    const byInput = new Map<string, Set<string>>();
    for (const { bound: { rule } } of this.rules) {
      if (!rule.noData) continue;
      const name = inputName(rule.reads);
      let tenants = byInput.get(name);
      if (!tenants) byInput.set(name, (tenants = new Set()));
      tenants.add(rule.tenant);
    }
    return (this.noDataByInput = byInput);
  }

  get(key: string): AlertRule | undefined {
    return this.byKey.get(key);
  }

  /** Every rule whose patterns select the series. */
  rulesOf(path: string): BoundRule[] {
    let found = this.byPath.get(path);
    if (!found) {
      found = this.rules.filter((r) => r.matches(path)).map((r) => r.bound);
      // the oldest first (a Map keeps insertion order): forgetting them all at once made 100,000 series match again
      if (this.byPath.size >= REMEMBERED_PATHS) this.byPath.delete(this.byPath.keys().next().value!);
      this.byPath.set(path, found);
    }
    return found;
  }

  /** The rules reading raw readings of the measurement's series, each with the reading. */
  readingSamples(measurement: Measurement): RuleSample[] {
    return this.rulesOf(measurement.path)
      .filter((b) => b.rule.reads.kind === 'raw')
      .map((b) => ({ ...b, sample: { time: measurement.timestamp, value: measurement.value } }));
  }

  /** The rules reading the rollup's resolution, each with its field at the window's end; none for a provisional rollup. */
  rollupSamples(rollup: Rollup): RuleSample[] {
    if (!rollup.final) return [];
    const samples: RuleSample[] = [];
    for (const b of this.rulesOf(rollup.path)) {
      const reads = b.rule.reads;
      if (reads.kind !== 'rollup' || reads.resolution !== rollup.resolution) continue;
      const value = rollupField(rollup, reads.field);
      if (value !== null) samples.push({ ...b, sample: { time: rollup.windowEnd, value } });
    }
    return samples;
  }
}

function holdsTags(tags: Readonly<Record<string, string>> | undefined, wanted: readonly [string, string][]): boolean {
  return tags !== undefined && wanted.every(([name, value]) => tags[name] === value);
}

/** A rollup's field; null where it has none (the delta of a series that is not an energy counter, the mean of no readings). */
export function rollupField(rollup: Rollup, field: RollupField): number | null {
  switch (field) {
    case 'mean':
      return rollup.count > 0 ? rollup.sum / rollup.count : null;
    case 'delta':
      return rollup.delta;
    default:
      return rollup[field];
  }
}
