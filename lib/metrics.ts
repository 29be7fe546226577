import { collectDefaultMetrics, Registry } from 'prom-client';

/** A Prometheus registry for one component, with Node's process metrics and a `component` label. */
export function createMetricsRegistry(component: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ component });
  collectDefaultMetrics({ register: registry });
  return registry;
}
