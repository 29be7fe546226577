import type { Silence } from '../../schemas/silence-store';
import { policyFromDefinition } from '../../schemas/notification-policy';
import { assembleGroups, groupName } from './group-assembly';
import { activeSilences } from './silences';
import { fingerprintOf, type TrackedAlert } from './tracked-alert';

const webhook = { handler: 'webhook', target: { url: 'https://example.com/hook', secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' } };
const policy = policyFromDefinition('acme', {
  route: { receiver: 'ops', groupBy: ['site'], routes: [{ matchers: ['severity=critical'], receiver: 'pager', continue: true }] },
  receivers: [{ name: 'ops', actions: [webhook] }, { name: 'pager', actions: [webhook] }],
  inhibitRules: [{ sourceMatchers: ['severity=critical'], targetMatchers: ['severity=warning'], equal: ['site'] }],
});
const alert = (alarmId: string, labels: Record<string, string>, status: 'firing' | 'resolved' = 'firing', tenant = 'acme'): TrackedAlert => ({ alarmId, tenant, labels, status, startsAt: 0, endsAt: null, value: null });
const silence = (matchers: string[]): Silence => ({ id: 's', tenant: 'acme', matchers, startsAt: 0, endsAt: 10, createdBy: 't', comment: '' });
const nothingFlushed = () => new Set<string>();
const summary = (groups: ReturnType<typeof assembleGroups>) =>
  Object.fromEntries([...groups].map(([name, g]) => [name, g.members.map((m) => `${m.alert.alarmId}${m.muted ? ' (muted)' : ''}`)]));

describe('assembling the groups', () => {
  it('puts each alert in the group of every route that handles it, muting the silenced and the inhibited', () => {
    const alerts = [alert('c', { severity: 'critical', site: 'p1' }), alert('w', { severity: 'warning', site: 'p1' }), alert('s', { severity: 'info', site: 'p2' })];
    const groups = assembleGroups(new Map([['acme', policy]]), alerts, activeSilences([silence(['site=p2'])], 5), nothingFlushed);
    expect(summary(groups)).toEqual({
      [groupName('acme', '0.0:{"site":"p1"}')]: ['c'],
      [groupName('acme', '0:{"site":"p1"}')]: ['w (muted)'],
      [groupName('acme', '0:{"site":"p2"}')]: ['s (muted)'],
    });
  });

  it('leaves out a resolved alert its group flushed already, and tenants without a policy', () => {
    const done = alert('r', { site: 'p1' }, 'resolved');
    const flushed = (name: string) => new Set(name === groupName('acme', '0:{"site":"p1"}') ? [fingerprintOf(done)] : []);
    const groups = assembleGroups(new Map([['acme', policy]]), [done, alert('x', { site: 'p1' }, 'firing', 'globex')], new Map(), flushed);
    expect(groups.size).toBe(0);
  });
});
