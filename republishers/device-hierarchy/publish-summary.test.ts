import { publishSummary } from './publish-summary';
import type { PublishResult } from './publish';

const result: PublishResult = {
  generation: 7, revision: 42, publishedAt: new Date(0), tenants: 2, sites: 3, devices: 1, previousGeneration: 6, pruned: { tenants: 0, sites: 1, devices: 4 }, ms: 85,
};

describe('the summary of a publish', () => {
  it('is one line: revision, generation, counts and what was pruned', () => {
    expect(publishSummary(result)).toBe('hierarchy: published revision 42 as generation 7 (2 tenants, 3 sites, 1 device; pruned 0 tenants, 1 site, 4 devices) in 85 ms');
  });

  it('says so for the first publish, which prunes nothing', () => {
    expect(publishSummary({ ...result, generation: 1, previousGeneration: null })).toBe('hierarchy: published revision 42 as generation 1 (2 tenants, 3 sites, 1 device; first publish) in 85 ms');
  });
});
