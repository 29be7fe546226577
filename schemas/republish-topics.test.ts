import { topicMatches } from '../lib/topic-filter';
import { republishTopic, republishTopicTenant, tenantRepublishFilter } from './republish-topics';

describe('republish topics', () => {
  const series = { tenant: 'acme', site: 'plant1', device: 'meter', metric: 'kwh' };

  it('names a rollup and an alert under the tenant subtree its readers may subscribe to', () => {
    const rollup = republishTopic('fleet-out', series, 'rollup', '1h');
    const alert = republishTopic('fleet-out', series, 'alert', 'boiler-hot');
    expect(rollup).toBe('fleet-out/acme/plant1/meter/kwh/rollup/1h');
    expect(alert).toBe('fleet-out/acme/plant1/meter/kwh/alert/boiler-hot');
    expect(topicMatches(tenantRepublishFilter('acme'), rollup)).toBe(true);
    expect(topicMatches(tenantRepublishFilter('acm'), rollup)).toBe(false);
    expect(topicMatches(tenantRepublishFilter('globex'), alert)).toBe(false);
  });

  it("never meets a device's topics (fleet/<tenant>/<site>/<device>/...)", () => {
    expect(topicMatches('fleet/#', republishTopic('fleet-out', series, 'rollup', '1m'))).toBe(false);
  });

  it('reads the tenant off a republished topic', () => {
    expect(republishTopicTenant('fleet-out/acme/plant1/meter/kwh/rollup/1h')).toBe('acme');
    expect(republishTopicTenant('fleet/acme/plant1/meter/up')).toBeUndefined();
  });
});
