/**
 * The versioned schema migrations, in order: the definition of the tables of
 * schemas/tables.ts. Each has a stable id recorded in `schema_migrations` once
 * applied; an applied migration is never changed, later changes are new
 * migrations. Migrations are plain SQL built from the configuration (schema,
 * resolutions, TimescaleDB policies), so this file has no I/O and
 * `apply-migrations.ts` runs them.
 *
 * Why not node-pg-migrate: v8+ is ESM-only, and this CommonJS package (and
 * jest's CommonJS transform) cannot load it; a numbered list and a table is
 * all this needs.
 */
import { measurementsTable, qualified, quoteIdent, rollupTable, seriesTable, tooOldReadingsTable } from './tables';

/** TimescaleDB chunk, compression and retention settings, as PostgreSQL interval literals (`7 days`); null: no such policy. */
export interface TimescalePolicies {
  rawChunkInterval: string;
  rawCompressAfter: string | null;
  rawRetention: string | null;
  /** per resolution; absent: `30 days` */
  rollupChunkInterval: Record<string, string>;
  /** per resolution; absent: `30 days` */
  rollupCompressAfter: Record<string, string | null>;
  /** per resolution; absent: kept */
  rollupRetention: Record<string, string | null>;
}

export interface MigrationContext {
  schema: string;
  resolutions: readonly string[];
  /** The policies when the TimescaleDB extension is in use (hypertables); absent: plain tables. */
  timescale?: TimescalePolicies;
}

export interface Migration {
  id: string;
  statements: string[];
}

function literal(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

function rollupTableStatements(schema: string, resolution: string): string[] {
  const table = qualified(schema, rollupTable(resolution));
  return [
    `create table if not exists ${table} (
      path text not null, bucket timestamptz not null, bucket_end timestamptz not null, kind text not null,
      count bigint not null, sum double precision not null, min double precision not null, max double precision not null,
      first double precision not null, first_time timestamptz not null, last double precision not null, last_time timestamptz not null,
      delta double precision, resets integer not null, final boolean not null, revision bigint not null, computed_at timestamptz not null,
      primary key (path, bucket))`,
    // cross-series queries over a time range ("every series of a site, last hour")
    `create index if not exists ${quoteIdent(`${rollupTable(resolution)}_bucket_idx`)} on ${table} (bucket desc)`,
  ];
}

function hypertableStatements(schema: string, table: string, timeColumn: string, chunkInterval: string): string[] {
  const regclass = literal(qualified(schema, table));
  return [
    `select create_hypertable(${regclass}::regclass, by_range(${literal(timeColumn)}, interval ${literal(chunkInterval)}), if_not_exists => true, migrate_data => true)`,
    `alter table ${qualified(schema, table)} set (timescaledb.compress, timescaledb.compress_segmentby = 'path', timescaledb.compress_orderby = ${literal(`${timeColumn} desc`)})`,
  ];
}

/** Every migration for this configuration, in the order they apply. */
export function migrations(context: MigrationContext): Migration[] {
  const { schema } = context;
  const list: Migration[] = [
    {
      id: '0001_series',
      statements: [
        `create table if not exists ${qualified(schema, seriesTable)} (
          path text primary key, tenant text not null, site text not null, device text not null, metric text not null,
          kind text not null check (kind in ('energy','additive','non_additive')), unit text,
          first_seen timestamptz not null, last_seen timestamptz not null)`,
        // path-prefix lookups (`/acme/plant1/%`) for the hierarchy
        `create index if not exists series_path_prefix_idx on ${qualified(schema, seriesTable)} (path text_pattern_ops)`,
        `create index if not exists series_tenant_site_idx on ${qualified(schema, seriesTable)} (tenant, site, device)`,
      ],
    },
    {
      id: '0002_measurements',
      statements: [
        `create table if not exists ${qualified(schema, measurementsTable)} (
          path text not null, time timestamptz not null, value double precision not null, received_at timestamptz not null,
          primary key (path, time))`,
        `create index if not exists measurements_time_idx on ${qualified(schema, measurementsTable)} (time desc)`,
      ],
    },
  ];
  for (const resolution of context.resolutions) {
    list.push({ id: `0003_rollups_${resolution}`, statements: rollupTableStatements(schema, resolution) });
  }
  const t = context.timescale;
  if (t) {
    list.push({ id: '0004_timescaledb_measurements', statements: hypertableStatements(schema, measurementsTable, 'time', t.rawChunkInterval) });
    for (const resolution of context.resolutions) {
      const chunk = t.rollupChunkInterval[resolution] ?? '30 days';
      list.push({ id: `0004_timescaledb_rollups_${resolution}`, statements: hypertableStatements(schema, rollupTable(resolution), 'bucket', chunk) });
    }
  }
  // a plain table in every case: it holds only what the rollups left out, a small fraction of the raw rows,
  // and is kept as long as the rollups it makes incomplete (no retention of its own)
  list.push({
    id: '0005_too_old_readings',
    statements: [`create table if not exists ${qualified(schema, tooOldReadingsTable)} (path text not null, time timestamptz not null, primary key (path, time))`],
  });
  return list;
}

/**
 * Compression and retention policies: configuration rather than structure, so
 * they are re-applied on every start (remove, then add with the current values).
 */
export function policyStatements(context: MigrationContext): string[] {
  const t = context.timescale;
  if (!t) return [];
  const tables: { table: string; compressAfter: string | null; retention: string | null }[] = [
    { table: measurementsTable, compressAfter: t.rawCompressAfter, retention: t.rawRetention },
    ...context.resolutions.map((r) => ({
      table: rollupTable(r),
      compressAfter: r in t.rollupCompressAfter ? (t.rollupCompressAfter[r] ?? null) : '30 days',
      retention: t.rollupRetention[r] ?? null,
    })),
  ];
  return tables.flatMap(({ table, compressAfter, retention }) => {
    const regclass = `${literal(qualified(context.schema, table))}::regclass`;
    return [
      `select remove_compression_policy(${regclass}, if_exists => true)`,
      ...(compressAfter ? [`select add_compression_policy(${regclass}, interval ${literal(compressAfter)})`] : []),
      `select remove_retention_policy(${regclass}, if_exists => true)`,
      ...(retention ? [`select add_retention_policy(${regclass}, interval ${literal(retention)})`] : []),
    ];
  });
}
