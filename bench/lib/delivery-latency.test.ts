import { matchDeliveries } from './delivery-latency';

describe('matchDeliveries', () => {
  it('gives each first arrival its latency, and counts the missing, the unknown and the repeats', () => {
    const produced = new Map([['a', 100], ['b', 200], ['c', 300]]);
    const match = matchDeliveries(produced, [{ key: 'b', at: 260 }, { key: 'a', at: 150 }, { key: 'b', at: 900 }, { key: 'x', at: 1 }]);
    expect(match).toEqual({ latencies: [60, 50], missing: 1, unknown: 1, repeats: 1 });
  });
});
