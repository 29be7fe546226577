import { rollupsOptionsSchema } from './options';

describe('rollups options', () => {
  it('refuse a restore timeout the changelog could outlast its tombstones in (an hour): at most 30m', () => {
    expect(rollupsOptionsSchema.safeParse({ restoreTimeout: '30m' }).success).toBe(true);
    const refused = rollupsOptionsSchema.safeParse({ restoreTimeout: '45m' });
    expect(refused.success).toBe(false);
    expect(JSON.stringify(refused.error?.issues)).toContain('at most');
  });

  it('commit at most 20,000 input records by default, and refuse fewer than one', () => {
    expect(rollupsOptionsSchema.parse({}).maxRecordsPerCommit).toBe(20_000);
    expect(rollupsOptionsSchema.safeParse({ maxRecordsPerCommit: 0 }).success).toBe(false);
  });
});
