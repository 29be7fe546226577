/**
 * `fleetstream notifications apply <files...>`: makes the notification
 * policies stored in PostgreSQL those of the documents (kept in git) and
 * prints what changed; `list` and `show` read them back. `fleetstream
 * silences add|list|expire` manage silences. DATABASE_URL and
 * REGISTRY_DATABASE_SCHEMA from the environment.
 */
import { userInfo } from 'node:os';
import type { Command } from 'commander';
import type { Pool } from 'pg';
import { readDuration } from '../lib/duration';
import { FleetstreamError } from '../lib/errors';
import { textTable } from './text-table';
import { withRegistryPool } from './with-registry-pool';

const withRegistry = <T>(work: (pool: Pool, schema: string) => Promise<T>) => withRegistryPool('fleetstream-notifications-cli', work);

const commands = () => import('../stream-processors/notifications/notification-commands');

async function apply(paths: string[]): Promise<void> {
  const { applyPolicyDocuments, readPolicyFiles, describePolicyChange } = await commands();
  const documents = await readPolicyFiles(paths);
  const changes = await withRegistry((pool, schema) => applyPolicyDocuments(pool, schema, documents));
  for (const change of changes) console.log(`notifications: ${describePolicyChange(change)}`);
  if (changes.every((c) => c.change === 'unchanged')) console.log('notifications: nothing to change');
}

async function list(): Promise<void> {
  const { listPolicies } = await commands();
  const rows = await withRegistry((pool, schema) => listPolicies(pool, schema));
  const receivers = (d: Record<string, unknown>) => ((d.receivers as { name?: string }[] | undefined) ?? []).map((r) => r.name).join(',');
  process.stdout.write(textTable(['TENANT', 'RECEIVERS', 'REVISION', 'SOURCE', 'UPDATED'], rows.map((r) => [r.tenant, receivers(r.definition), String(r.revision), r.source ?? '', r.updatedAt])));
}

async function show(tenant: string): Promise<void> {
  const { findPolicy } = await commands();
  console.log(JSON.stringify(await withRegistry((pool, schema) => findPolicy(pool, schema, tenant)), null, 2));
}

async function groups(options: { tenant?: string }): Promise<void> {
  const { listGroups } = await commands();
  const rows = await withRegistry((pool, schema) => listGroups(pool, schema, options.tenant));
  process.stdout.write(textTable(['TENANT', 'GROUP', 'RECEIVER', 'STARTED', 'NEXT FLUSH', 'FLUSHES'], rows.map((g) => [g.tenant, g.groupKey, g.receiver, g.startedAt, g.nextFlushAt, String(g.flushes)])));
}

/** An instant written as ISO 8601, or a duration from now (`2h`). */
function instant(text: string, option: string): number {
  const ms = readDuration(text)?.ms;
  if (ms !== undefined) return Date.now() + ms;
  const at = Date.parse(text);
  if (Number.isFinite(at)) return at;
  throw new FleetstreamError('SILENCE_INVALID', `${option} ${JSON.stringify(text)}: write a duration from now (2h, 30m) or an ISO 8601 time with its offset`);
}

const iso = (ms: number) => new Date(ms).toISOString();

async function addSilence(tenant: string, matchers: string[], options: { for?: string; until?: string; starts?: string; createdBy: string; comment: string }): Promise<void> {
  const { SilenceStore } = await commands();
  if ((options.for === undefined) === (options.until === undefined)) throw new FleetstreamError('SILENCE_INVALID', 'give the silence an end: --for <duration> or --until <time>');
  const startsAt = options.starts === undefined ? Date.now() : instant(options.starts, '--starts');
  const endsAt = options.for !== undefined ? startsAt + (readDuration(options.for)?.ms ?? NaN) : instant(options.until!, '--until');
  const silence = await withRegistry((pool, schema) => new SilenceStore(pool, schema).add({ tenant, matchers, startsAt, endsAt, createdBy: options.createdBy, comment: options.comment }));
  console.log(`silences: added ${silence.id} (${silence.matchers.join(', ')}) until ${iso(silence.endsAt)}`);
}

async function listSilences(options: { tenant?: string; expired?: boolean }): Promise<void> {
  const { SilenceStore } = await commands();
  const rows = await withRegistry((pool, schema) => new SilenceStore(pool, schema).list(options.tenant, options.expired === true));
  process.stdout.write(textTable(['ID', 'TENANT', 'MATCHERS', 'STARTS', 'ENDS', 'CREATED BY', 'COMMENT'], rows.map((s) => [s.id, s.tenant, s.matchers.join(', '), iso(s.startsAt), iso(s.endsAt), s.createdBy, s.comment])));
}

async function expireSilence(id: string, options: { tenant?: string }): Promise<void> {
  const { SilenceStore } = await commands();
  const silence = await withRegistry((pool, schema) => new SilenceStore(pool, schema).expire(options.tenant, id));
  console.log(`silences: expired ${silence.id} at ${iso(silence.endsAt)}`);
}

/** Adds `apply`, `list`, `show` and `groups` to the `notifications` command (which, without a subcommand, runs the processor). */
export function addNotificationCommands(notifications: Command): void {
  notifications
    .command('apply')
    .argument('<paths...>', 'notification policy documents (.yaml, .yml, .json) or directories of them, one tenant per document')
    .description("make the stored notification policies of the documents' tenants those of the documents (other tenants' are kept); prints what it created, updated, left unchanged and removed (DATABASE_URL, REGISTRY_DATABASE_SCHEMA)")
    .action(apply);
  notifications.command('list').description('the stored notification policies').action(list);
  notifications.command('show').argument('<tenant>', 'the tenant').description("a tenant's stored notification policy, as JSON").action(show);
  notifications.command('groups').option('--tenant <tenant>', "one tenant's").description('the aggregation groups with their next flush and how many flushes they had').action(groups);
}

/** `fleetstream silences add|list|expire`. */
export function addSilenceCommands(program: Command): void {
  const silences = program.command('silences').description('silences of the notifications: alerts whose labels match every matcher notify no one while it lasts (DATABASE_URL, REGISTRY_DATABASE_SCHEMA)');
  silences
    .command('add')
    .argument('<tenant>', 'the tenant whose alerts it silences')
    .argument('<matchers...>', "Alertmanager matchers: name=value, name!=value, name=~regex, name!~regex (quote them for the shell: 'site=plant1')")
    .option('--for <duration>', 'how long, from its start (2h, 30m)')
    .option('--until <time>', 'when it ends: ISO 8601 with its offset, or a duration from now')
    .option('--starts <time>', 'when it starts (default now)')
    .option('--created-by <name>', 'who silences', userInfo().username)
    .option('--comment <text>', 'why', '')
    .description('add a silence; prints its id')
    .action(addSilence);
  silences.command('list').option('--tenant <tenant>', "one tenant's").option('--expired', 'expired ones too').description('the silences in force (and expired, with --expired), latest end first').action(listSilences);
  silences.command('expire').argument('<id>', 'the silence id (`silences list`)').option('--tenant <tenant>', 'only if it is this tenant\'s').description('end a silence now').action(expireSilence);
}
