/**
 * Automation documents (issue 17 item 2, MyController's tasks and
 * scheduler): YAML or JSON files kept in git, one tenant's automations per
 * file, applied with `fleetstream automations apply <files>`; one at a time
 * through the admin API. The contract between the CLI, the admin API and the
 * automations processor, which reads the stored automations.
 *
 * ```yaml
 * tenant: acme
 * automations:
 *   - id: morning-valve                    # unique in the tenant
 *     trigger:                             # a schedule ...
 *       on: schedule
 *       cron: '0 7 * * 1-5'                # node-cron (5 fields, or 6 with seconds first)
 *       timezone: Europe/Berlin            # explicit IANA zone; or `every: 15m` instead of cron/timezone
 *       validity: { from: '2026-01-01T00:00:00Z', until: '2027-01-01T00:00:00Z', days: [mon, tue], hours: '06:00-22:00' }
 *       missedRuns: fireOnce               # after downtime: skip | fireOnce | fireAll (at most maxMissedRuns)
 *     actions:
 *       - { handler: device_command, target: { site: plant1, device: valve1, name: open } }
 *   - id: boiler-too-hot
 *     trigger: { on: readings, series: ['/acme/plant1/ * /temperature'] }   # ... or an event (patterns without the space)
 *     conditions: { all: [{ value: '> 80' }, { series: /acme/plant1/outside/temperature, value: '< 10' }] }
 *     dampening: { consecutive: 3 }        # or { atLeast: 3, of: 5 }, per series (device) of the trigger
 *     actions: [{ handler: email, target: { to: [ops@example.com], subject: boiler hot } }]
 * ```
 * Events: `readings` (raw readings by path pattern), `rollups` (final rollups
 * of one resolution, one field), `alerts` (AlertEvent by rule, severity,
 * transition), `command_answers` (a command's final status), `presence`
 * (a device's `status` message, online or offline). Pure.
 */
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { parseThreshold, type Threshold } from './alert-threshold';
import { documentName, durationMs, issuesOf } from './document-fields';
import { checkHandlerTarget } from './handlers';
import { readResolution } from './resolution';
import { rollupFields, type RollupField } from './alert-rule';
import { patternProblem } from './series-pattern';
import { validate as validCron } from 'node-cron';

const name = documentName;

const threshold = z.string().transform((text, ctx): Threshold => {
  const parsed = parseThreshold(text);
  if (parsed) return parsed;
  ctx.addIssue({ code: 'custom', message: `${JSON.stringify(text)} is no comparison: write one of > >= < <= == != and a number, for example '> 80'` });
  return z.NEVER;
});

const pattern = z.string().superRefine((text, ctx) => {
  const problem = patternProblem(text);
  if (problem) ctx.addIssue({ code: 'custom', message: `path pattern ${JSON.stringify(text)} ${problem}` });
});

export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export const weekdays = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof weekdays)[number];
export const missedRunPolicies = ['skip', 'fireOnce', 'fireAll'] as const;
export type MissedRunPolicy = (typeof missedRunPolicies)[number];

const hoursRange = z.string().transform((text, ctx) => {
  const match = /^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$/.exec(text.trim());
  if (match) {
    const from = Number(match[1]) * 60 + Number(match[2]);
    const until = Number(match[3]) * 60 + Number(match[4]);
    if (until <= 24 * 60 && from !== until) return { fromMinute: from, untilMinute: until };
  }
  ctx.addIssue({ code: 'custom', message: `hours ${JSON.stringify(text)}: write HH:MM-HH:MM in the schedule's time zone, for example 06:00-22:00 (22:00-06:00 spans midnight)` });
  return z.NEVER;
});

const instant = z.union([z.string(), z.date()]).transform((value, ctx) => {
  const ms = value instanceof Date ? value.getTime() : Date.parse(value);
  if (Number.isFinite(ms)) return ms;
  ctx.addIssue({ code: 'custom', message: `${JSON.stringify(value)} is no date and time: write ISO 8601 with its offset, for example 2026-01-01T00:00:00Z` });
  return z.NEVER;
});

const validitySchema = z.strictObject({
  from: instant.optional(),
  until: instant.optional(),
  days: z.array(z.enum(weekdays)).min(1).optional(),
  hours: hoursRange.optional(),
});

const scheduleTrigger = z
  .strictObject({
    on: z.literal('schedule'),
    cron: z.string().optional(),
    timezone: z.string().optional(),
    every: durationMs(1000).optional(),
    validity: validitySchema.optional(),
    missedRuns: z.enum(missedRunPolicies).default('skip'),
    maxMissedRuns: z.number().int().min(1).max(1000).default(10),
  })
  .superRefine((t, ctx) => {
    if ((t.cron === undefined) === (t.every === undefined)) ctx.addIssue({ code: 'custom', message: 'a schedule has either `cron` (with `timezone`) or `every`' });
    if (t.cron !== undefined && !validCron(t.cron)) ctx.addIssue({ code: 'custom', path: ['cron'], message: `${JSON.stringify(t.cron)} is no cron expression (node-cron: 5 fields, or 6 with seconds first)` });
    if (t.cron !== undefined && t.timezone === undefined) ctx.addIssue({ code: 'custom', path: ['timezone'], message: 'a cron schedule names its IANA time zone, for example Europe/Berlin or UTC' });
    if (t.timezone !== undefined && !isTimeZone(t.timezone)) ctx.addIssue({ code: 'custom', path: ['timezone'], message: `${JSON.stringify(t.timezone)} is no IANA time zone (Europe/Berlin, UTC)` });
    if ((t.validity?.days || t.validity?.hours) && t.timezone === undefined) ctx.addIssue({ code: 'custom', path: ['timezone'], message: 'validity days and hours are read in the schedule\'s time zone: name it' });
    if (t.validity?.from !== undefined && t.validity.until !== undefined && t.validity.until <= t.validity.from) ctx.addIssue({ code: 'custom', path: ['validity', 'until'], message: 'must be after from' });
  });

const rollupField = z.string().refine((f) => (rollupFields as readonly string[]).includes(f), `must be one of ${rollupFields.join(', ')}`);

const resolution = z.string().refine((r) => typeof readResolution(r) !== 'string', 'is no resolution (1m, 1h, 1d)');

const eventTriggers = [
  z.strictObject({ on: z.literal('readings'), series: z.array(pattern).min(1) }),
  z.strictObject({ on: z.literal('rollups'), series: z.array(pattern).min(1), resolution, field: rollupField.default('mean') }),
  z.strictObject({
    on: z.literal('alerts'),
    rules: z.array(name).min(1).optional(),
    severities: z.array(name).min(1).optional(),
    transitions: z.array(z.enum(['pending', 'cancelled', 'firing', 'escalated', 'deescalated', 'recovering', 'relapsed', 'resolved', 'no_data'])).min(1).optional(),
    series: z.array(pattern).min(1).optional(),
  }),
  z.strictObject({
    on: z.literal('command_answers'),
    devices: z.array(pattern).min(1).optional(),
    commands: z.array(z.string().min(1)).min(1).optional(),
    states: z.array(z.enum(['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'EXPIRED', 'CANCELED'])).min(1).default(['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'EXPIRED', 'CANCELED']),
  }),
  z.strictObject({ on: z.literal('presence'), devices: z.array(pattern).min(1).optional(), status: z.array(z.enum(['online', 'offline'])).min(1).default(['online', 'offline']) }),
] as const;

const triggerSchema = z.discriminatedUnion('on', [scheduleTrigger, ...eventTriggers]);

/** A condition: the event's value (`value`), or the latest value of a series (`series` + `value`), compared; or all / any of conditions. */
export type Condition = { value: Threshold; series?: string } | { all: Condition[] } | { any: Condition[] };
type ConditionInput = { value: string; series?: string } | { all: ConditionInput[] } | { any: ConditionInput[] };

const conditionSchema: z.ZodType<Condition, ConditionInput> = z.lazy(() =>
  z.union([
    z.strictObject({ value: threshold, series: z.string().regex(/^(\/[^/*]+){4}$/, 'must be a series path /<tenant>/<site>/<device>/<metric>').optional() }),
    z.strictObject({ all: z.array(conditionSchema).min(1) }),
    z.strictObject({ any: z.array(conditionSchema).min(1) }),
  ]),
);

const dampeningSchema = z.union([
  z.strictObject({ consecutive: z.number().int().min(1).max(1000) }),
  z.strictObject({ atLeast: z.number().int().min(1).max(1000), of: z.number().int().min(1).max(1000) }).refine((d) => d.atLeast <= d.of, 'atLeast must not be more than of'),
]);

const actionSchema = z.strictObject({ handler: z.string(), target: z.record(z.string(), z.unknown()) });

const automationSchema = z
  .strictObject({
    id: name,
    description: z.string().max(1000).optional(),
    enabled: z.boolean().default(true),
    trigger: triggerSchema,
    conditions: conditionSchema.optional(),
    dampening: dampeningSchema.optional(),
    actions: z.array(actionSchema).min(1).max(20),
    /** How long the handlers may keep trying; absent: their own retry schedule decides. */
    deadline: durationMs(1000).optional(),
  })
  .superRefine((a, ctx) => {
    if (a.dampening && a.trigger.on === 'schedule') ctx.addIssue({ code: 'custom', path: ['dampening'], message: 'dampening counts events per series or device: a schedule has none' });
    if (a.trigger.on === 'schedule' && a.conditions && conditionReadsEvent(a.conditions)) {
      ctx.addIssue({ code: 'custom', path: ['conditions'], message: 'a schedule has no event value: compare the latest value of a series (`series:`)' });
    }
  });

function conditionReadsEvent(condition: Condition): boolean {
  if ('all' in condition) return condition.all.some(conditionReadsEvent);
  if ('any' in condition) return condition.any.some(conditionReadsEvent);
  return condition.series === undefined;
}

export type AutomationDefinition = z.input<typeof automationSchema>;
type ParsedAutomation = z.output<typeof automationSchema>;
export type AutomationTrigger = ParsedAutomation['trigger'];
export type ScheduleTrigger = Extract<AutomationTrigger, { on: 'schedule' }>;
export type EventTrigger = Exclude<AutomationTrigger, { on: 'schedule' }>;
export type Dampening = NonNullable<ParsedAutomation['dampening']>;

/** An automation as the processor runs it. */
export interface Automation {
  tenant: string;
  id: string;
  /** counts the changes of its definition (the stored row's); part of every execution id */
  revision: number;
  description?: string;
  enabled: boolean;
  trigger: AutomationTrigger;
  conditions: Condition | null;
  dampening: Dampening | null;
  actions: { handler: string; target: Record<string, unknown> }[];
  deadlineMs: number | null;
}

export interface AutomationDocument {
  tenant: string;
  /** the automations as written, keyed by id: what `automations apply` stores */
  definitions: Map<string, AutomationDefinition>;
}

export class AutomationDocumentError extends Error {
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`${source}: ${problems.join('; ')}`);
  }
}


/** Every problem of one automation of `tenant`, as written (empty: it validates). */
function problemsOf(tenant: string, definition: unknown, prefix: (string | number)[]): { problems: string[]; parsed?: ParsedAutomation } {
  const parsed = automationSchema.safeParse(definition);
  if (!parsed.success) return { problems: issuesOf(parsed.error, prefix) };
  const problems: string[] = [];
  const root = `/${tenant}/`;
  const outside = (p: string) => !p.startsWith(root);
  const t = parsed.data.trigger;
  const patterns = 'series' in t ? (t.series ?? []) : 'devices' in t ? (t.devices ?? []) : [];
  for (const p of patterns.filter(outside)) problems.push(`${[...prefix, 'trigger'].join('.')}: pattern ${JSON.stringify(p)} lies outside tenant ${tenant}: start it with ${root}`);
  for (const path of seriesOfConditions(parsed.data.conditions).filter(outside)) problems.push(`${[...prefix, 'conditions'].join('.')}: series ${path} lies outside tenant ${tenant}`);
  parsed.data.actions.forEach((action, i) => {
    const check = checkHandlerTarget(tenant, action.handler, action.target);
    if (!check.ok) problems.push(`${[...prefix, 'actions', i].join('.')}: ${check.message}`);
  });
  return { problems, parsed: parsed.data };
}

/** The series whose latest values the conditions read. */
export function seriesOfConditions(condition: Condition | undefined | null): string[] {
  if (!condition) return [];
  if ('all' in condition) return condition.all.flatMap(seriesOfConditions);
  if ('any' in condition) return condition.any.flatMap(seriesOfConditions);
  return condition.series === undefined ? [] : [condition.series];
}

const documentSchema = z.strictObject({ tenant: name, automations: z.array(z.unknown()) });

/** Reads one automation document (`.yaml`, `.yml` or `.json`); throws AutomationDocumentError naming every problem. */
export function parseAutomationDocument(text: string, source: string): AutomationDocument {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    throw new AutomationDocumentError(source, [`not YAML or JSON: ${(error as Error).message.split('\n')[0]}`]);
  }
  const document = documentSchema.safeParse(raw);
  if (!document.success) throw new AutomationDocumentError(source, issuesOf(document.error));
  const problems: string[] = [];
  const definitions = new Map<string, AutomationDefinition>();
  document.data.automations.forEach((definition, i) => {
    problems.push(...problemsOf(document.data.tenant, definition, ['automations', i]).problems);
    const id = (definition as { id?: unknown } | null)?.id;
    if (typeof id === 'string' && definitions.has(id)) problems.push(`automations.${i}: automation id ${id} is used twice in the tenant`);
    if (typeof id === 'string') definitions.set(id, definition as AutomationDefinition);
  });
  if (problems.length > 0) throw new AutomationDocumentError(source, problems);
  return { tenant: document.data.tenant, definitions };
}

/** One automation of a tenant (a stored one read back, or one the admin API was given); throws AutomationDocumentError naming every problem. */
export function automationFromDefinition(tenant: string, definition: unknown, revision = 1): Automation {
  const source = `automation ${tenant}/${String((definition as { id?: unknown } | null)?.id)}`;
  const { problems, parsed } = problemsOf(tenant, definition, []);
  if (problems.length > 0 || !parsed) throw new AutomationDocumentError(source, problems);
  return {
    tenant,
    id: parsed.id,
    revision,
    ...(parsed.description !== undefined && { description: parsed.description }),
    enabled: parsed.enabled,
    trigger: parsed.trigger,
    conditions: parsed.conditions ?? null,
    dampening: parsed.dampening ?? null,
    actions: parsed.actions,
    deadlineMs: parsed.deadline ?? null,
  };
}

/** `<tenant>/<id>`: how automations are named in output, logs and state keys. */
export function automationKey(tenant: string, id: string): string {
  return `${tenant}/${id}`;
}

export type { RollupField };
