import { difference, metricSum } from './prometheus-text';

const text = `# HELP alerts_transaction_seconds Duration
# TYPE alerts_transaction_seconds histogram
alerts_transaction_seconds_bucket{le="0.005",component="alerts"} 3
alerts_transaction_seconds_sum{component="alerts"} 1.5
alerts_transaction_seconds_count{component="alerts"} 42
webhooks_deliveries_total{outcome="delivered",component="webhooks"} 10
webhooks_deliveries_total{outcome="retried",component="webhooks"} 2.5
process_cpu_seconds_total 7
`;

describe('metricSum', () => {
  it('sums a metric over its label sets, and only that metric', () => {
    expect(metricSum(text, 'alerts_transaction_seconds_count')).toBe(42);
    expect(metricSum(text, 'webhooks_deliveries_total')).toBe(12.5);
    expect(metricSum(text, 'process_cpu_seconds_total')).toBe(7);
    expect(metricSum(text, 'alerts_transaction_seconds')).toBeNaN();
  });

  it('subtracts a reading taken before', () => {
    expect(difference({ a: 5, b: 3 }, { a: 2 })).toEqual({ a: 3, b: 3 });
  });
});
