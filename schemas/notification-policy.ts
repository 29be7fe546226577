/**
 * Notification policy documents (issue 17 item 4, Alertmanager's model):
 * YAML or JSON kept in git, one tenant's policy per document, applied with
 * `fleetstream notifications apply <files>`. The contract between the CLI
 * and the notifications processor. Pure.
 *
 * ```yaml
 * tenant: acme
 * route:                                   # the root: every alert enters here
 *   receiver: ops
 *   groupBy: [site, rule]                  # [...] groups by every label; [] puts every alert in one group
 *   groupWait: 30s                         # the first notification of a new group waits this long for more alerts
 *   groupInterval: 5m                      # a group's next notification, when it changed, at least this long after
 *   repeatInterval: 4h                     # an unchanged firing group is notified again after this
 *   routes:                                # children inherit receiver, groupBy and the three timings
 *     - matchers: ['severity="critical"']  # Alertmanager's syntax: = != =~ !~ (regexes anchored)
 *       receiver: pager
 *       continue: true                     # go on to the next siblings after this one matched
 * receivers:
 *   - name: ops
 *     actions:                             # each a handler request, as automations' actions
 *       - { handler: webhook, target: { url: 'https://ops.example.com/hook', secret: whsec_... }, sendResolved: true }
 *   - name: pager
 *     actions: [{ handler: email, target: { to: [oncall@example.com], subject: fleet alert } }]
 * inhibitRules:                            # a firing source alert mutes the targets with the same `equal` labels
 *   - { sourceMatchers: [severity=critical], targetMatchers: [severity=warning], equal: [site] }
 * ```
 * An alert's labels are its rule's labels and `tenant`, `rule`, `severity`,
 * `site`, `device`, `metric`, `path` (those win over a rule label of the same name).
 */
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { documentName, durationMs, issuesOf } from './document-fields';
import { checkHandlerTarget } from './handlers';
import { parseMatcher, type LabelMatcher } from './label-matchers';

/** The one definition a tenant's policy is stored as (lib/tenant-documents.ts keys definitions by id). */
export const policyDefinitionId = 'policy';

/** Alertmanager's defaults. */
export const routeDefaults = { groupWaitMs: 30_000, groupIntervalMs: 5 * 60_000, repeatIntervalMs: 4 * 3600_000 } as const;

const matcher = z.string().transform((text, ctx) => {
  const parsed = parseMatcher(text);
  if (typeof parsed !== 'string') return parsed;
  ctx.addIssue({ code: 'custom', message: parsed });
  return z.NEVER;
});

const labelName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a label name: letters, digits and _, not starting with a digit');

const groupBy = z.array(z.union([z.literal('...'), labelName])).refine((names) => !names.includes('...') || names.length === 1, '`...` (every label) stands alone');

interface RouteInput {
  receiver?: string;
  matchers?: string[];
  continue?: boolean;
  groupBy?: string[];
  groupWait?: string | number;
  groupInterval?: string | number;
  repeatInterval?: string | number;
  routes?: RouteInput[];
}

interface ParsedRoute {
  receiver?: string;
  matchers: LabelMatcher[];
  continue: boolean;
  groupBy?: string[];
  groupWait?: number;
  groupInterval?: number;
  repeatInterval?: number;
  routes: ParsedRoute[];
}

const routeSchema: z.ZodType<ParsedRoute, RouteInput> = z.lazy(() =>
  z.strictObject({
    receiver: documentName.optional(),
    matchers: z.array(matcher).default([]),
    continue: z.boolean().default(false),
    groupBy: groupBy.optional(),
    groupWait: durationMs(0).optional(),
    groupInterval: durationMs(1).optional(),
    repeatInterval: durationMs(1).optional(),
    routes: z.array(routeSchema).default([]),
  }),
);

const actionSchema = z.strictObject({
  handler: z.string(),
  target: z.record(z.string(), z.unknown()),
  /** Alertmanager's default: webhooks are told of resolved alerts, emails not. */
  sendResolved: z.boolean().optional(),
});

const receiverSchema = z.strictObject({ name: documentName, actions: z.array(actionSchema).max(20).default([]) });

const inhibitRuleSchema = z.strictObject({
  sourceMatchers: z.array(matcher).min(1),
  targetMatchers: z.array(matcher).min(1),
  equal: z.array(labelName).default([]),
});

const policySchema = z.strictObject({
  route: routeSchema,
  receivers: z.array(receiverSchema).min(1),
  inhibitRules: z.array(inhibitRuleSchema).default([]),
});

/** A route with what it inherits filled in; `id` is its place in the tree (`0`, `0.1`, `0.1.0`), part of its groups' keys. */
export interface Route {
  id: string;
  receiver: string;
  matchers: LabelMatcher[];
  continue: boolean;
  /** the label names its groups are keyed by; `all`: every label (`...`) */
  groupBy: string[] | 'all';
  groupWaitMs: number;
  groupIntervalMs: number;
  repeatIntervalMs: number;
  routes: Route[];
}

export interface ReceiverAction {
  handler: string;
  target: Record<string, unknown>;
  sendResolved: boolean;
}

export interface NotificationReceiver {
  name: string;
  actions: ReceiverAction[];
}

export interface InhibitRule {
  sourceMatchers: LabelMatcher[];
  targetMatchers: LabelMatcher[];
  equal: string[];
}

/** A tenant's policy as the processor runs it. */
export interface NotificationPolicy {
  tenant: string;
  revision: number;
  route: Route;
  receivers: Map<string, NotificationReceiver>;
  inhibitRules: InhibitRule[];
}

export type PolicyDefinition = z.input<typeof policySchema>;

export interface PolicyDocument {
  tenant: string;
  /** the policy as written, under policyDefinitionId: what `notifications apply` stores */
  definitions: Map<string, PolicyDefinition>;
}

export class PolicyDocumentError extends Error {
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`${source}: ${problems.join('; ')}`);
  }
}

function resolveRoute(parsed: ParsedRoute, id: string, parent: Omit<Route, 'id' | 'matchers' | 'continue' | 'routes'> | undefined): Route {
  const inherited = {
    receiver: parsed.receiver ?? parent?.receiver ?? '',
    groupBy: parsed.groupBy ? (parsed.groupBy.includes('...') ? ('all' as const) : [...new Set(parsed.groupBy)].sort()) : (parent?.groupBy ?? []),
    groupWaitMs: parsed.groupWait ?? parent?.groupWaitMs ?? routeDefaults.groupWaitMs,
    groupIntervalMs: parsed.groupInterval ?? parent?.groupIntervalMs ?? routeDefaults.groupIntervalMs,
    repeatIntervalMs: parsed.repeatInterval ?? parent?.repeatIntervalMs ?? routeDefaults.repeatIntervalMs,
  };
  return { id, ...inherited, matchers: parsed.matchers, continue: parsed.continue, routes: parsed.routes.map((child, i) => resolveRoute(child, `${id}.${i}`, inherited)) };
}

function routeProblems(route: Route, receivers: ReadonlySet<string>, path: string): string[] {
  const problems = receivers.has(route.receiver) ? [] : [`${path}.receiver: ${route.receiver === '' ? 'the root route names a receiver' : `no receiver ${route.receiver}; receivers: ${[...receivers].join(', ')}`}`];
  return [...problems, ...route.routes.flatMap((child, i) => routeProblems(child, receivers, `${path}.routes.${i}`))];
}

/** Every problem of a tenant's policy as written (empty: it validates), and the policy when there is none. */
function checkPolicy(tenant: string, definition: unknown, revision: number): { problems: string[]; policy?: NotificationPolicy } {
  const parsed = policySchema.safeParse(definition);
  if (!parsed.success) return { problems: issuesOf(parsed.error) };
  const problems: string[] = [];
  if (parsed.data.route.matchers.length > 0) problems.push('route.matchers: the root route takes every alert: put matchers on its child routes');
  if (parsed.data.route.continue) problems.push('route.continue: the root route has no siblings');
  const receivers = new Map<string, NotificationReceiver>();
  parsed.data.receivers.forEach((receiver, i) => {
    if (receivers.has(receiver.name)) problems.push(`receivers.${i}: receiver ${receiver.name} is named twice`);
    receiver.actions.forEach((action, j) => {
      const check = checkHandlerTarget(tenant, action.handler, action.target);
      if (!check.ok) problems.push(`receivers.${i}.actions.${j}: ${check.message}`);
    });
    receivers.set(receiver.name, { name: receiver.name, actions: receiver.actions.map((a) => ({ handler: a.handler, target: a.target, sendResolved: a.sendResolved ?? a.handler === 'webhook' })) });
  });
  const route = resolveRoute(parsed.data.route, '0', undefined);
  problems.push(...routeProblems(route, new Set(receivers.keys()), 'route'));
  if (problems.length > 0) return { problems };
  return { problems, policy: { tenant, revision, route, receivers, inhibitRules: parsed.data.inhibitRules } };
}

const documentSchema = z.strictObject({ tenant: documentName, route: z.unknown(), receivers: z.unknown(), inhibitRules: z.unknown().optional() });

/** Reads one policy document (`.yaml`, `.yml` or `.json`); throws PolicyDocumentError naming every problem. */
export function parsePolicyDocument(text: string, source: string): PolicyDocument {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    throw new PolicyDocumentError(source, [`not YAML or JSON: ${(error as Error).message.split('\n')[0]}`]);
  }
  const document = documentSchema.safeParse(raw);
  if (!document.success) throw new PolicyDocumentError(source, issuesOf(document.error));
  const { tenant, ...definition } = document.data;
  const { problems } = checkPolicy(tenant, definition, 1);
  if (problems.length > 0) throw new PolicyDocumentError(source, problems);
  return { tenant, definitions: new Map([[policyDefinitionId, definition as PolicyDefinition]]) };
}

/** A stored policy read back; throws PolicyDocumentError naming every problem. */
export function policyFromDefinition(tenant: string, definition: unknown, revision = 1): NotificationPolicy {
  const { problems, policy } = checkPolicy(tenant, definition, revision);
  if (!policy) throw new PolicyDocumentError(`notification policy of ${tenant}`, problems);
  return policy;
}
