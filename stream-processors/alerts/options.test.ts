import { alertsOptionsSchema } from './options';

const required = { databaseUrl: 'postgres://localhost/x' };

describe('alerts options', () => {
  it('take defaults whose pipeline-stale limit leaves room for the clock of the 1d rollups (four readers)', () => {
    const parsed = alertsOptionsSchema.parse(required);
    expect([parsed.noDataCheckInterval, parsed.pipelineStaleAfter]).toEqual([15_000, 120_000]);
  });

  it('refuse a pipeline-stale limit a healthy pipeline would reach, naming how many checks it needs', () => {
    const refused = alertsOptionsSchema.safeParse({ ...required, noDataCheckInterval: '30s' });
    expect(refused.success).toBe(false);
    expect(JSON.stringify(refused.error?.issues)).toContain('at least 5 times ALERTS_NO_DATA_CHECK_INTERVAL');
    expect(alertsOptionsSchema.safeParse({ ...required, noDataCheckInterval: '30s', resolutions: '1m' }).success).toBe(true);
  });

  it("refuse a resolution the rollups processor's resolutions do not have", () => {
    const refused = alertsOptionsSchema.safeParse({ ...required, resolutions: '5m', rollupsResolutions: '1m,1h' });
    expect(JSON.stringify(refused.error?.issues)).toContain('must hold every resolution of ALERTS_RESOLUTIONS');
  });
});
