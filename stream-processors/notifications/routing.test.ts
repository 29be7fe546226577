import { policyFromDefinition } from '../../schemas/notification-policy';
import { groupKeyOf, groupLabelsOf, routesFor } from './routing';

const webhook = { handler: 'webhook', target: { url: 'https://example.com/hook', secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' } };
const policy = policyFromDefinition('acme', {
  route: {
    receiver: 'ops',
    groupBy: ['site'],
    groupWait: '1s',
    routes: [
      { matchers: ['severity="critical"'], receiver: 'pager', continue: true, groupBy: ['...'] },
      { matchers: ['team=~"heat.*"'], receiver: 'heating', repeatInterval: '1h', routes: [{ matchers: ['site=plant2'], receiver: 'plant2' }] },
      { matchers: ['team!=""'], receiver: 'teams' },
    ],
  },
  receivers: ['ops', 'pager', 'heating', 'plant2', 'teams'].map((name) => ({ name, actions: [webhook] })),
});
const receivers = (labels: Record<string, string>) => routesFor(policy.route, labels).map((r) => r.receiver);

describe('the routing tree', () => {
  it('takes the first matching child, and the root when none matches', () => {
    expect(receivers({ team: 'heating', site: 'plant1' })).toEqual(['heating']);
    expect(receivers({ site: 'plant1' })).toEqual(['ops']);
  });

  it('goes on past a child with continue', () => {
    expect(receivers({ severity: 'critical', team: 'water' })).toEqual(['pager', 'teams']);
  });

  it('goes down to the deepest matching node', () => {
    expect(receivers({ team: 'heating', site: 'plant2' })).toEqual(['plant2']);
  });

  it('children inherit groupBy and timings unless they set them', () => {
    const [heating] = routesFor(policy.route, { team: 'heating' });
    expect([heating!.groupBy, heating!.groupWaitMs, heating!.groupIntervalMs, heating!.repeatIntervalMs]).toEqual([['site'], 1000, 300_000, 3_600_000]);
    const [plant2] = routesFor(policy.route, { team: 'heating', site: 'plant2' });
    expect(plant2!.repeatIntervalMs).toBe(3_600_000);
  });

  it('keys groups by the route and its groupBy labels (`...`: all of them)', () => {
    const [root] = routesFor(policy.route, { site: 'plant1', device: 'b1' });
    expect(groupKeyOf(root!, groupLabelsOf(root!, { site: 'plant1', device: 'b1' }))).toBe('0:{"site":"plant1"}');
    const [pager] = routesFor(policy.route, { severity: 'critical', site: 'plant1' });
    expect(groupLabelsOf(pager!, { severity: 'critical', site: 'plant1' })).toEqual({ severity: 'critical', site: 'plant1' });
  });
});
