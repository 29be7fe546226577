/**
 * The manifest of one tenant's day, `manifest.json`, written after every file
 * it lists is whole: a file the manifest does not list is not part of the
 * archive, whatever its name. Pure.
 */
import type { ArchiveTable } from './archive-layout';

/** Bumped when the files' columns or encoding change. 1: gzip CSV with a header, the tables' columns (schemas/tables.ts), times in ISO 8601 UTC. */
export const archiveSchemaVersion = 1;

export interface ManifestFile {
  table: ArchiveTable;
  /** Relative to the manifest's folder. */
  file: string;
  rows: number;
  /** The rows' time (`time`, or `bucket` for rollups), ISO 8601; null without rows. */
  minTime: string | null;
  maxTime: string | null;
  /** Of the compressed file's bytes, hex. */
  sha256: string;
  bytes: number;
  columns: readonly string[];
}

export interface DayManifest {
  schemaVersion: number;
  tenant: string;
  day: string;
  format: 'csv+gzip';
  /** 1 for the first export; higher when late raw readings made the day be exported again. */
  revision: number;
  exportedAt: string;
  /** The correction horizon the day was closed by, in ms. */
  correctionHorizonMs: number;
  files: ManifestFile[];
}

export function manifestText(manifest: DayManifest): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

/** A manifest read back, or undefined when the text is none (a foreign or damaged file). */
export function parseManifest(text: string): DayManifest | undefined {
  try {
    const value = JSON.parse(text) as Partial<DayManifest>;
    if (typeof value.schemaVersion !== 'number' || typeof value.tenant !== 'string' || typeof value.day !== 'string' || !Array.isArray(value.files)) return undefined;
    return value as DayManifest;
  } catch {
    return undefined;
  }
}

export function manifestRows(manifest: DayManifest): number {
  return manifest.files.reduce((sum, file) => sum + file.rows, 0);
}
