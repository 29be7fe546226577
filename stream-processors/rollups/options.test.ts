import { rollupsOptionsSchema } from './options';

describe('rollups options', () => {
  const required = {};

  it('refuse a restore timeout the changelog could outlast its tombstones in (an hour): at most 30m', () => {
    expect(rollupsOptionsSchema.safeParse({ ...required, restoreTimeout: '30m' }).success).toBe(true);
    const refused = rollupsOptionsSchema.safeParse({ ...required, restoreTimeout: '45m' });
    expect(refused.success).toBe(false);
    expect(JSON.stringify(refused.error?.issues)).toContain('at most');
  });

  it('commit at most 20,000 input records by default, and refuse fewer than one', () => {
    expect(rollupsOptionsSchema.parse(required).maxRecordsPerCommit).toBe(20_000);
    expect(rollupsOptionsSchema.safeParse({ ...required, maxRecordsPerCommit: 0 }).success).toBe(false);
  });
});
