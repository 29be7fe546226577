import type { ParameterKind } from '../schemas/types';

/**
 * The metrics a simulated device can carry. The default three cover every
 * kind; the others make heavier messages (`--metrics`).
 */
export const metricCatalogue = {
  temperature: { kind: 'non_additive', unit: 'degC' },
  energy_kwh: { kind: 'energy', unit: 'kWh' },
  pulses: { kind: 'additive', unit: 'count' },
  humidity: { kind: 'non_additive', unit: '%RH' },
  voltage: { kind: 'non_additive', unit: 'V' },
  water_l: { kind: 'energy', unit: 'L' },
} as const satisfies Record<string, { kind: ParameterKind; unit: string }>;

export type MetricName = keyof typeof metricCatalogue;

export const metricNames = Object.keys(metricCatalogue) as [MetricName, ...MetricName[]];

export const defaultMetrics: MetricName[] = ['temperature', 'energy_kwh', 'pulses'];
