import { Counter, Gauge, type Registry } from 'prom-client';

export type CorrectorMetrics = ReturnType<typeof createCorrectorMetrics>;

/**
 * The corrector's metrics. Late readings accepted and readings too old are
 * the stages' `rollups_inputs_total{outcome="late"|"too_old"}`.
 */
export function createCorrectorMetrics(registry: Registry, oldestUncorrectedSeconds: () => number) {
  return {
    corrections: new Counter({ name: 'rollups_corrections_total', help: 'Corrected final rollups emitted, recomputed from the stored raw readings', labelNames: ['resolution'], registers: [registry] }),
    oldestUncorrected: new Gauge({
      name: 'rollups_oldest_uncorrected_seconds',
      help: 'Age of the oldest invalidation (a window that took input after it closed) not yet corrected; 0 when none waits',
      registers: [registry],
      collect() {
        this.set(oldestUncorrectedSeconds());
      },
    }),
  };
}
