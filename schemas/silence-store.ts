/**
 * The silences in PostgreSQL (`notification_silences`), the contract
 * between `fleetstream silences`, the admin API (`/v1/admin/silences`) and
 * the notifications processor, which reads them at every evaluation.
 * Expiring sets ends_at to now: the silence stays listed, as Alertmanager
 * keeps expired silences.
 */
import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { FleetstreamError } from '../lib/errors';
import { parseMatcher } from './label-matchers';
import { notificationTableNames } from './tables';

export interface Silence {
  id: string;
  tenant: string;
  /** Alertmanager matchers (schemas/label-matchers.ts) */
  matchers: string[];
  startsAt: number;
  endsAt: number;
  createdBy: string;
  comment: string;
}

export interface NewSilence {
  tenant: string;
  matchers: string[];
  /** default: now */
  startsAt?: number;
  endsAt: number;
  createdBy: string;
  comment?: string;
}

const columns = `id::text as id, tenant, matchers, (extract(epoch from starts_at) * 1000)::float8 as "startsAt", (extract(epoch from ends_at) * 1000)::float8 as "endsAt", created_by as "createdBy", comment`;

/** Why a silence may not be added, or undefined. */
export function silenceProblem(silence: NewSilence, now: number): string | undefined {
  if (silence.matchers.length === 0) return 'a silence needs at least one matcher (name=value, name!=value, name=~regex, name!~regex)';
  for (const text of silence.matchers) {
    const parsed = parseMatcher(text);
    if (typeof parsed === 'string') return parsed;
  }
  if (!Number.isFinite(silence.endsAt) || silence.endsAt <= Math.max(now, silence.startsAt ?? now)) return 'endsAt must be after startsAt and in the future';
  if (silence.createdBy.trim() === '') return 'createdBy names who silences';
  return undefined;
}

export class SilenceStore {
  private readonly table: string;

  constructor(
    private readonly pool: Pool,
    schema: string,
  ) {
    this.table = notificationTableNames(schema).silences;
  }

  /** Adds a silence; SILENCE_INVALID naming the problem. */
  async add(silence: NewSilence, now = Date.now()): Promise<Silence> {
    const problem = silenceProblem(silence, now);
    if (problem) throw new FleetstreamError('SILENCE_INVALID', problem);
    const { rows } = await this.pool.query<Silence>(
      `insert into ${this.table} (id, tenant, matchers, starts_at, ends_at, created_by, comment) values ($1, $2, $3, $4, $5, $6, $7) returning ${columns}`,
      [randomUUID(), silence.tenant, silence.matchers, new Date(silence.startsAt ?? now), new Date(silence.endsAt), silence.createdBy, silence.comment ?? ''],
    );
    return rows[0]!;
  }

  /** A tenant's silences (every tenant's without one), newest end first; expired ones only with `expired`. */
  async list(tenant: string | undefined, expired = false): Promise<Silence[]> {
    const { rows } = await this.pool.query<Silence>(`select ${columns} from ${this.table} where ($1::text is null or tenant = $1) and ($2 or ends_at > now()) order by ends_at desc, id`, [tenant ?? null, expired]);
    return rows;
  }

  /** Ends a silence now (one that has not started ends at its start); SILENCE_NOT_FOUND when the tenant has no such silence in force. */
  async expire(tenant: string | undefined, id: string): Promise<Silence> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) throw new FleetstreamError('SILENCE_NOT_FOUND', `no silence ${id}: \`fleetstream silences list\` shows their ids`);
    const { rows } = await this.pool.query<Silence>(
      `update ${this.table} set ends_at = greatest(starts_at + interval '1 millisecond', least(ends_at, now())), updated_at = now()
       where id = $1 and ($2::text is null or tenant = $2) and ends_at > now() returning ${columns}`,
      [id, tenant ?? null],
    );
    if (!rows[0]) throw new FleetstreamError('SILENCE_NOT_FOUND', `no silence ${id} in force${tenant ? ` for tenant ${tenant}` : ''}: \`fleetstream silences list\` shows them`);
    return rows[0];
  }

  /** The silences not yet ended, every tenant's: what an evaluation checks alerts against. */
  async inForce(): Promise<Silence[]> {
    return this.list(undefined, false);
  }
}
