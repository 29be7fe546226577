/**
 * What `fleetstream <kind> apply` does with documents kept in git (alert
 * rules, automations): each document holds one tenant's definitions, keyed
 * by id; applying makes the stored definitions of every tenant the documents
 * name exactly the documents' ones (created, updated when their definition
 * differs, deleted when no longer written); tenants the documents do not
 * name keep theirs. The store is a table of (tenant, id, definition jsonb,
 * revision, source, updated_at). Planning is pure; applying is one
 * PostgreSQL transaction.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Pool } from 'pg';
import { FleetstreamError } from './errors';
import { inTransaction } from './pg-transaction';

/** A stored definition as the CLI and the admin API show it (`storedDocumentColumns` selects it). */
export interface StoredTenantDocument {
  tenant: string;
  id: string;
  definition: Record<string, unknown>;
  revision: number;
  /** the file the apply command read it from, or `api` */
  source: string | null;
  updatedAt: string;
}

export const storedDocumentColumns = `tenant, id, definition, revision::float8 as revision, source, to_char(updated_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as "updatedAt"`;

export interface StoredDefinition {
  tenant: string;
  id: string;
  definition: unknown;
}

/** One document's definitions, with the file they were read from. */
export interface TenantDocument<D> {
  source: string;
  tenant: string;
  definitions: ReadonlyMap<string, D>;
}

export type DocumentChange<D> =
  | { change: 'created' | 'updated' | 'unchanged'; tenant: string; id: string; definition: D; source: string }
  | { change: 'deleted'; tenant: string; id: string };

/** `what` names a definition in messages ("rule", "automation"). */
export function planDocumentChanges<D>(stored: readonly StoredDefinition[], applied: readonly TenantDocument<D>[], what: string): DocumentChange<D>[] {
  const wanted = new Map<string, { tenant: string; id: string; definition: D; source: string }>();
  for (const { source, tenant, definitions } of applied) {
    for (const [id, definition] of definitions) {
      const key = `${tenant}/${id}`;
      const earlier = wanted.get(key);
      if (earlier) throw new Error(`${what} ${key} is written twice, in ${earlier.source} and in ${source}: keep one`);
      wanted.set(key, { tenant, id, definition, source });
    }
  }
  const tenants = new Set(applied.map((a) => a.tenant));
  const have = new Map(stored.filter((s) => tenants.has(s.tenant)).map((s) => [`${s.tenant}/${s.id}`, s]));
  const changes: DocumentChange<D>[] = [];
  for (const [key, definition] of wanted) {
    const current = have.get(key);
    const change = !current ? 'created' : canonicalJson(current.definition) !== canonicalJson(definition.definition) ? 'updated' : 'unchanged';
    changes.push({ change, ...definition });
  }
  for (const [key, s] of have) if (!wanted.has(key)) changes.push({ change: 'deleted', tenant: s.tenant, id: s.id });
  return changes.sort((a, b) => `${a.tenant}/${a.id}`.localeCompare(`${b.tenant}/${b.id}`));
}

/** JSON with object keys sorted: PostgreSQL's jsonb does not keep the order they were written in. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export interface DocumentTable {
  /** quoted and qualified */
  table: string;
  /** the advisory lock's name: one apply at a time, since two racing would both plan against what they read */
  lock: string;
  /** "rule", "automation" */
  what: string;
  /** the command, for messages ("alerts apply") */
  command: string;
}

/** Makes the stored definitions of the documents' tenants those of the documents, in one transaction; returns every change, `unchanged` ones included. */
export async function applyTenantDocuments<D>(pool: Pool, target: DocumentTable, documents: readonly TenantDocument<D>[]): Promise<DocumentChange<D>[]> {
  const { table } = target;
  return inTransaction(pool, `applying ${target.what}s`, async (client) => {
    await client.query('select pg_advisory_xact_lock(hashtext($1))', [target.lock]);
    const tenants = [...new Set(documents.map((d) => d.tenant))];
    const stored = (await client.query<StoredDefinition>(`select tenant, id, definition from ${table} where tenant = any($1)`, [tenants])).rows;
    let changes: DocumentChange<D>[];
    try {
      changes = planDocumentChanges(stored, documents, target.what);
    } catch (error) {
      throw new FleetstreamError('CONFIG_INVALID', `${target.command}: ${(error as Error).message}`);
    }
    for (const change of changes) {
      if (change.change === 'created') {
        await client.query(`insert into ${table} (tenant, id, definition, source) values ($1, $2, $3, $4)`, [change.tenant, change.id, JSON.stringify(change.definition), change.source]);
      } else if (change.change === 'updated') {
        await client.query(`update ${table} set definition = $3, source = $4, revision = revision + 1, updated_at = now() where tenant = $1 and id = $2`, [change.tenant, change.id, JSON.stringify(change.definition), change.source]);
      } else if (change.change === 'deleted') {
        await client.query(`delete from ${table} where tenant = $1 and id = $2`, [change.tenant, change.id]);
      }
    }
    return changes;
  });
}

export const documentExtensions = ['.yaml', '.yml', '.json'];

/**
 * Reads documents from files and directories (a directory's documents, not
 * its subdirectories'), parsing each with `parse`, which throws an error with
 * `problems`; throws CONFIG_INVALID naming every problem of every file, or
 * when there is no document at all.
 */
export async function readDocumentFiles<T>(paths: readonly string[], parse: (text: string, source: string) => T, command: string): Promise<{ source: string; document: T }[]> {
  const files: { path: string; source: string }[] = [];
  for (const path of paths) {
    if ((await stat(path)).isDirectory()) {
      const names = (await readdir(path)).filter((f) => documentExtensions.some((e) => f.endsWith(e))).sort();
      files.push(...names.map((f) => ({ path: join(path, f), source: f })));
    } else {
      files.push({ path, source: basename(path) });
    }
  }
  if (files.length === 0) throw new FleetstreamError('CONFIG_INVALID', `${command}: ${paths.join(', ')} holds no documents (${documentExtensions.join(', ')})`);
  const documents: { source: string; document: T }[] = [];
  const problems: string[] = [];
  for (const file of files) {
    try {
      documents.push({ source: file.source, document: parse(await readFile(file.path, 'utf8'), file.source) });
    } catch (error) {
      const listed = (error as { problems?: unknown }).problems;
      if (!Array.isArray(listed)) throw error;
      problems.push(...(listed as string[]).map((p) => `${file.source}: ${p}`));
    }
  }
  if (problems.length > 0) throw new FleetstreamError('CONFIG_INVALID', `${command}: nothing applied, the documents have problems:\n  ${problems.join('\n  ')}`);
  return documents;
}
