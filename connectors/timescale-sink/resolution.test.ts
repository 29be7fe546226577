import { rollupTable } from './resolution';

describe('rollupTable', () => {
  it('names the table of a resolution', () => {
    expect(rollupTable('1d')).toBe('rollups_1d');
  });

  it('rejects a resolution that could inject into a table name', () => {
    expect(() => rollupTable('1m; drop table x')).toThrow(/must be a whole number/);
  });
});
