import { recordPrefilter } from './record-prefilter';
import type { Subscription } from './subscription';

const subscription = (tenant: string, eventTypes: Subscription['eventTypes'], enabled = true): Subscription => ({
  id: `${tenant}-${eventTypes.join(',')}`, tenant, url: 'https://example.com/hook', eventTypes, pathFilter: '#', payload: 'thin', maxBatch: 1, enabled, keys: [],
});
const key = (text: string) => Buffer.from(text);

describe('which records the republisher decodes', () => {
  it('decodes none when no enabled subscription takes the topic\'s event type', () => {
    const wanted = recordPrefilter([subscription('acme', ['rollup.1m']), subscription('globex', ['measurement'], false)], 'measurement', true);
    expect(wanted(key('/acme/p1/m1/t'))).toBe(false);
    expect(wanted(key('/globex/p1/m1/t'))).toBe(false);
  });

  it('decodes the records of the tenants that subscribed, reading the tenant off the path key', () => {
    const wanted = recordPrefilter([subscription('acme', ['measurement', 'rollup.1h'])], 'rollup.1h', true);
    expect(wanted(key('/acme/p1/m1/t@1700000000000'))).toBe(true);
    expect(wanted(key('/globex/p1/m1/t@1700000000000'))).toBe(false);
    expect(wanted(key('/acmecorp/p1/m1/t'))).toBe(false);
  });

  it('decodes a record whose key is no path, and every record of a topic not keyed by path, once anyone subscribed', () => {
    const subscriptions = [subscription('acme', ['measurement', 'command.answer'])];
    expect(recordPrefilter(subscriptions, 'measurement', true)(null)).toBe(true);
    expect(recordPrefilter(subscriptions, 'measurement', true)(key('no-path'))).toBe(true);
    expect(recordPrefilter(subscriptions, 'command.answer', false)(key('0b6a-command-id'))).toBe(true);
  });
});
