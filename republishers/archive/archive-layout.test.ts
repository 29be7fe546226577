import { isPartialName, manifestKey, partialKey, tableFileKey } from './archive-layout';

describe('archive layout', () => {
  it('puts a tenant\'s day in a Hive-style folder, its manifest beside its files', () => {
    expect(tableFileKey('acme', '2026-11-20', 'rollups_1h')).toBe('tenant=acme/day=2026-11-20/rollups_1h.csv.gz');
    expect(manifestKey('acme', '2026-11-20')).toBe('tenant=acme/day=2026-11-20/manifest.json');
  });

  it('writes under a partial name that no final name can be mistaken for', () => {
    const partial = partialKey('tenant=acme/day=2026-11-20/measurements.csv.gz', 'r1');
    expect(partial).toBe('tenant=acme/day=2026-11-20/.partial-r1-measurements.csv.gz');
    expect(isPartialName(partial.split('/').at(-1)!)).toBe(true);
    expect(isPartialName('measurements.csv.gz')).toBe(false);
  });
});
