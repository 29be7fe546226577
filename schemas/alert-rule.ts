/**
 * Alert rule documents: YAML or JSON files kept in git, one tenant's rules
 * per file, validated here and applied with `fleetstream alerts apply <dir>`;
 * one rule at a time through the admin API. The contract between the CLI,
 * the admin API and the alerts processor, which reads the stored rules.
 *
 * ```yaml
 * tenant: acme
 * rules:
 *   - id: boiler-hot                       # unique in the tenant
 *     series: ['/acme/plant1/ * /temperature']  # path patterns (series-pattern.ts), written without the spaces
 *     tags: { building: north }            # and of devices whose registry tags hold all of these (optional)
 *     reads: 1m mean                       # `raw`, or `<resolution> <field>`: final rollups only
 *     severities:                          # the ladder, lowest first
 *       - { severity: warning, when: '> 80', for: 5m }
 *       - { severity: critical, when: '> 90', for: 1m }
 *     clear: { when: '< 75', for: 10m }    # hysteresis; default: no severity's condition holds, for 0
 *     keepFiringFor: 15m                   # at least this long after a severity's condition last held
 *     noData: { after: 10m, severity: warning }
 * ```
 * Pure: parsing text in, rules or the problems out.
 */
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { documentName } from './document-fields';
import { readDuration } from '../lib/duration';
import { readResolution } from './resolution';
import { compilePattern, patternProblem, type PathMatcher } from './series-pattern';
import { parseThreshold, type Threshold } from './alert-threshold';

export const rollupFields = ['mean', 'sum', 'count', 'min', 'max', 'first', 'last', 'delta'] as const;
export type RollupField = (typeof rollupFields)[number];

/** What a rule reads: every raw reading, or one field of a series' final rollups at one resolution. */
export type RuleInput = { kind: 'raw' } | { kind: 'rollup'; resolution: string; field: RollupField };

const name = documentName;

const holdTime = z.union([z.string(), z.number().int().min(0)]).transform((value, ctx) => {
  if (typeof value === 'number') return value;
  const parsed = readDuration(value);
  if (parsed) return parsed.ms;
  ctx.addIssue({ code: 'custom', message: `${JSON.stringify(value)} is not a duration: write a whole number and a unit (ms, s, m, h, d), for example 30s, 5m` });
  return z.NEVER;
});

const threshold = z.string().transform((text, ctx): Threshold => {
  const parsed = parseThreshold(text);
  if (parsed) return parsed;
  ctx.addIssue({ code: 'custom', message: `${JSON.stringify(text)} is no threshold: write a comparison (> >= < <= == !=) and a number, for example '> 80'` });
  return z.NEVER;
});

const input = z.string().transform((text, ctx): RuleInput => {
  const trimmed = text.trim();
  if (trimmed === 'raw') return { kind: 'raw' };
  const [resolution = '', field = '', ...rest] = trimmed.split(/\s+/);
  const problem = typeof readResolution(resolution) === 'string' ? `${JSON.stringify(resolution)} is no resolution` : !(rollupFields as readonly string[]).includes(field) || rest.length > 0 ? `the field must be one of ${rollupFields.join(', ')}` : undefined;
  if (problem === undefined) return { kind: 'rollup', resolution, field: field as RollupField };
  ctx.addIssue({ code: 'custom', message: `reads ${JSON.stringify(text)}: ${problem}; write \`raw\` or \`<resolution> <field>\`, for example \`1m mean\`, \`1h delta\`` });
  return z.NEVER;
});

const pattern = z.string().superRefine((text, ctx) => {
  const problem = patternProblem(text);
  if (problem) ctx.addIssue({ code: 'custom', message: `path pattern ${JSON.stringify(text)} ${problem}` });
});

const ruleSchema = z
  .strictObject({
    id: name,
    description: z.string().max(1000).optional(),
    series: z.array(pattern).min(1),
    tags: z.record(z.string().min(1).max(100), z.string().max(1000)).optional(),
    reads: input.prefault('raw'),
    severities: z.array(z.strictObject({ severity: name, when: threshold, for: holdTime.default(0) })).min(1),
    clear: z.strictObject({ when: threshold.optional(), for: holdTime.default(0) }).optional(),
    keepFiringFor: holdTime.default(0),
    noData: z.strictObject({ after: holdTime, severity: name }).optional(),
    labels: z.record(z.string(), z.string()).optional(),
  })
  .superRefine((rule, ctx) => {
    const names = rule.severities.map((s) => s.severity);
    const repeated = names.find((n, i) => names.indexOf(n) !== i);
    if (repeated) ctx.addIssue({ code: 'custom', path: ['severities'], message: `severity ${repeated} is named twice: each step of the ladder needs its own name` });
    if (rule.noData && rule.noData.after <= 0) ctx.addIssue({ code: 'custom', path: ['noData', 'after'], message: 'must be longer than 0' });
  });

export const ruleDocumentSchema = z.strictObject({ tenant: name, rules: z.array(ruleSchema) }).superRefine((document, ctx) => {
  const ids = document.rules.map((r) => r.id);
  const repeated = ids.find((id, i) => ids.indexOf(id) !== i);
  if (repeated) ctx.addIssue({ code: 'custom', path: ['rules'], message: `rule id ${repeated} is used twice in the tenant` });
  document.rules.forEach((rule, r) =>
    rule.series.forEach((p, s) => {
      if (!p.startsWith(`/${document.tenant}/`)) ctx.addIssue({ code: 'custom', path: ['rules', r, 'series', s], message: `pattern ${JSON.stringify(p)} lies outside tenant ${document.tenant}: start it with /${document.tenant}/` });
    }),
  );
});

/** A rule as written (what is stored and compared), without its tenant. */
export type RuleDefinition = z.input<typeof ruleSchema>;

/** A rule as evaluated: durations in milliseconds, thresholds parsed. */
export interface AlertRule {
  tenant: string;
  id: string;
  description?: string;
  series: string[];
  /** the registry tags a series' device must hold, all of them; none: any device */
  deviceTags: Record<string, string>;
  reads: RuleInput;
  severities: { severity: string; when: Threshold; forMs: number }[];
  clear: { when: Threshold | null; forMs: number };
  keepFiringForMs: number;
  noData: { afterMs: number; severity: string } | null;
  labels: Record<string, string>;
}

export interface RuleDocument {
  tenant: string;
  /** the rules as written, keyed by id: what `alerts apply` stores */
  definitions: Map<string, RuleDefinition>;
  rules: AlertRule[];
}

export class RuleDocumentError extends Error {
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`${source}: ${problems.join('; ')}`);
  }
}

/** Reads one rule document (`.yaml`, `.yml` or `.json`; YAML is a superset of JSON); throws RuleDocumentError naming every problem. */
export function parseRuleDocument(text: string, source: string): RuleDocument {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    throw new RuleDocumentError(source, [`not YAML or JSON: ${(error as Error).message.split('\n')[0]}`]);
  }
  const definitions = new Map((Array.isArray((raw as { rules?: unknown })?.rules) ? ((raw as { rules: RuleDefinition[] }).rules) : []).map((r) => [r?.id, r] as const));
  const parsed = ruleDocumentSchema.safeParse(raw);
  if (!parsed.success) throw new RuleDocumentError(source, parsed.error.issues.map((i) => `${i.path.length > 0 ? `${i.path.join('.')}: ` : ''}${i.message}`));
  return { tenant: parsed.data.tenant, definitions, rules: parsed.data.rules.map((r) => toRule(parsed.data.tenant, r)) };
}

/** One rule of a tenant (a stored one read back, or one the admin API was given); throws RuleDocumentError naming every problem. */
export function ruleFromDefinition(tenant: string, definition: unknown): AlertRule {
  const source = `rule ${tenant}/${String((definition as { id?: unknown } | null)?.id)}`;
  const parsed = ruleSchema.safeParse(definition);
  if (!parsed.success) throw new RuleDocumentError(source, parsed.error.issues.map((i) => `${i.path.length > 0 ? `${i.path.join('.')}: ` : ''}${i.message}`));
  const outside = parsed.data.series.filter((p) => !p.startsWith(`/${tenant}/`));
  if (outside.length > 0) throw new RuleDocumentError(source, outside.map((p) => `series: pattern ${JSON.stringify(p)} lies outside tenant ${tenant}: start it with /${tenant}/`));
  return toRule(tenant, parsed.data);
}

function toRule(tenant: string, rule: z.output<typeof ruleSchema>): AlertRule {
  return {
    tenant,
    id: rule.id,
    ...(rule.description === undefined ? {} : { description: rule.description }),
    series: rule.series,
    deviceTags: rule.tags ?? {},
    reads: rule.reads,
    severities: rule.severities.map((s) => ({ severity: s.severity, when: s.when, forMs: s.for })),
    clear: { when: rule.clear?.when ?? null, forMs: rule.clear?.for ?? 0 },
    keepFiringForMs: rule.keepFiringFor,
    noData: rule.noData ? { afterMs: rule.noData.after, severity: rule.noData.severity } : null,
    labels: rule.labels ?? {},
  };
}

/** The rule's series selector. */
export function seriesMatcher(rule: AlertRule): PathMatcher {
  const matchers = rule.series.map(compilePattern);
  return (path) => matchers.some((m) => m(path));
}

/** `raw`, `1m mean`: how events name what a rule read. */
export function describeInput(input: RuleInput): string {
  return input.kind === 'raw' ? 'raw' : `${input.resolution} ${input.field}`;
}
