import { evaluateReading, initialAlertState } from './alert-state';
import { parsePipelineStalePath, pipelineStalePath, pipelineStaleRule, pipelineStaleSubjects } from './pipeline-stale';
import { parseSeriesPath } from '../../schemas/series-path';

describe('the pipeline-stale alert', () => {
  it('lives on a valid series path per tenant and input', () => {
    const path = pipelineStalePath('acme', '1m');
    expect(path).toBe('/acme/_pipeline/1m/lag');
    expect(parseSeriesPath(path)).toEqual({ tenant: 'acme', site: '_pipeline', device: '1m', metric: 'lag' });
    expect(parsePipelineStalePath(path)).toEqual({ tenant: 'acme', input: '1m' });
    expect(parsePipelineStalePath('/acme/plant/boiler/lag')).toBeUndefined();
  });

  it('fires at once when the lag reaches staleAfter, and resolves at once below it', () => {
    const rule = pipelineStaleRule('acme', 'raw', 120_000);
    const subject = { ruleKey: 'acme/_pipeline-stale', path: pipelineStalePath('acme', 'raw') };
    const calm = evaluateReading(rule, subject, initialAlertState(), { time: 1000, value: 30 });
    expect(calm.transitions).toEqual([]);
    const stale = evaluateReading(rule, subject, calm.state, { time: 2000, value: 120 });
    expect(stale.transitions.map((t) => [t.kind, t.severity])).toEqual([['firing', 'critical']]);
    const still = evaluateReading(rule, subject, stale.state, { time: 3000, value: 400 });
    expect(still.transitions).toEqual([]);
    const back = evaluateReading(rule, subject, still.state, { time: 4000, value: 20 });
    expect(back.transitions.map((t) => [t.kind, t.alarmId])).toEqual([['resolved', stale.transitions[0]!.alarmId]]);
  });

  it('is evaluated for tenants with a no-data rule on the input, and for open ones whose rules are gone (to resolve them)', () => {
    const subjects = pipelineStaleSubjects(new Map([['1m', new Set(['acme'])]]), [{ tenant: 'acme', input: '1m' }, { tenant: 'globex', input: 'raw' }]);
    expect(subjects).toEqual([
      { tenant: 'acme', input: '1m', needed: true },
      { tenant: 'globex', input: 'raw', needed: false },
    ]);
  });
});
