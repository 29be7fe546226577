import { measurementEvent } from './webhook-events';
import { subscriptionTakes, type Subscription } from './subscription';
import type { Measurement } from '../../schemas/types';

const reading = (path: string): Measurement => {
  const [, tenant, site, device, metric] = path.split('/') as [string, string, string, string, string];
  return { path, tenant, site, device, metric, kind: 'non_additive', timestamp: 1000, value: 1, unit: null, tags: {}, receivedAt: 1000, sourceTopic: null };
};
const subscription = (over: Partial<Subscription> = {}): Subscription => ({
  id: 'ep_1', tenant: 'acme', url: 'https://example.com', eventTypes: ['measurement'], pathFilter: '/acme/#', payload: 'thin', maxBatch: 1, enabled: true, keys: [], ...over,
});

describe('subscriptionTakes', () => {
  it('takes its tenant\'s events of its types whose path its filter matches', () => {
    expect(subscriptionTakes(subscription(), measurementEvent(reading('/acme/p1/d1/kwh')))).toBe(true);
    expect(subscriptionTakes(subscription({ pathFilter: '/acme/+/+/kwh' }), measurementEvent(reading('/acme/p1/d1/kwh')))).toBe(true);
    expect(subscriptionTakes(subscription({ pathFilter: '/acme/+/+/kwh' }), measurementEvent(reading('/acme/p1/d1/temp')))).toBe(false);
    expect(subscriptionTakes(subscription({ pathFilter: '/acme/p2/#' }), measurementEvent(reading('/acme/p1/d1/kwh')))).toBe(false);
  });

  it('never takes another tenant\'s events, whatever its filter', () => {
    expect(subscriptionTakes(subscription({ pathFilter: '/globex/#' }), measurementEvent(reading('/globex/p1/d1/kwh')))).toBe(false);
  });

  it('takes nothing of other types, nor while disabled', () => {
    expect(subscriptionTakes(subscription({ eventTypes: ['rollup.1m'] }), measurementEvent(reading('/acme/p1/d1/kwh')))).toBe(false);
    expect(subscriptionTakes(subscription({ enabled: false }), measurementEvent(reading('/acme/p1/d1/kwh')))).toBe(false);
  });
});
