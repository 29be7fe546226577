import type { Silence } from '../../schemas/silence-store';
import { activeSilences, silencesMuting } from './silences';

const silence = (id: string, matchers: string[], startsAt: number, endsAt: number, tenant = 'acme'): Silence => ({ id, tenant, matchers, startsAt, endsAt, createdBy: 'ops', comment: 'maintenance' });

describe('silences', () => {
  it('are in force from startsAt until (not at) endsAt', () => {
    const stored = [silence('s', ['site=plant1'], 1000, 2000)];
    expect([999, 1000, 1999, 2000].map((now) => activeSilences(stored, now).get('acme')?.length ?? 0)).toEqual([0, 1, 1, 0]);
  });

  it('mute the alerts whose labels match every matcher, in their own tenant only', () => {
    const active = activeSilences([silence('s', ['site=plant1', 'severity=~"warn.*"'], 0, 10), silence('t', ['site=plant1'], 0, 10, 'beta')], 5);
    expect(silencesMuting(active.get('acme')!, { site: 'plant1', severity: 'warning' })).toEqual(['s']);
    expect(silencesMuting(active.get('acme')!, { site: 'plant1', severity: 'critical' })).toEqual([]);
  });
});
