import { archiveSchemaVersion, manifestRows, manifestText, parseManifest, type DayManifest } from './manifest';

const manifest: DayManifest = {
  schemaVersion: archiveSchemaVersion,
  tenant: 'acme',
  day: '2026-11-20',
  format: 'csv+gzip',
  revision: 1,
  exportedAt: '2026-11-28T02:00:00.000Z',
  correctionHorizonMs: 604_800_000,
  files: [
    { table: 'measurements', file: 'measurements.csv.gz', rows: 10, minTime: '2026-11-20T00:00:00.000Z', maxTime: '2026-11-20T23:00:00.000Z', sha256: 'a'.repeat(64), bytes: 120, columns: ['path', 'time', 'value', 'received_at'] },
    { table: 'rollups_1d', file: 'rollups_1d.csv.gz', rows: 2, minTime: '2026-11-20T00:00:00.000Z', maxTime: '2026-11-20T00:00:00.000Z', sha256: 'b'.repeat(64), bytes: 90, columns: ['path', 'bucket'] },
  ],
};

describe('the day manifest', () => {
  it('reads back what it wrote, and counts its rows', () => {
    expect(parseManifest(manifestText(manifest))).toEqual(manifest);
    expect(manifestRows(manifest)).toBe(12);
  });

  it('refuses text that is no manifest', () => {
    expect(parseManifest('{"tenant": "acme"}')).toBeUndefined();
    expect(parseManifest('{"schemaVersion": 1, "tenant": "acme", "day": "2026-11-20", "files": [')).toBeUndefined();
  });
});
