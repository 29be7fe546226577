import { metricCatalogue, type MetricName } from './metrics';
import { deviceTopic, seriesPath, type DeviceAddress } from './payload';
import type { Random } from './random';
import { signalFor, type Signal } from './signals';

export interface SimulatedMetric {
  metric: MetricName;
  path: string;
  kind: (typeof metricCatalogue)[MetricName]['kind'];
  unit: string;
  signal: Signal;
}

export interface SimulatedDevice extends DeviceAddress {
  index: number;
  topic: string;
  /** This device's clock error, added to every event time. */
  skewMs: number;
  metrics: SimulatedMetric[];
  /** Event time of the last reading generated, so a device's times only grow. */
  lastTs: number;
}

export interface FleetShape {
  devices: number;
  tenants: number;
  sitesPerTenant: number;
  tenantPrefix: string;
  metrics: MetricName[];
  /** Largest clock error of a device, ms. */
  clockSkew: number;
  counterResetProbability: number;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** Where device `index` lives: tenants round-robin, then sites round-robin within the tenant. */
export function deviceAddress(index: number, shape: Pick<FleetShape, 'devices' | 'tenants' | 'sitesPerTenant' | 'tenantPrefix'>): DeviceAddress {
  const tenant = index % shape.tenants;
  const site = Math.floor(index / shape.tenants) % shape.sitesPerTenant;
  return {
    tenant: `${shape.tenantPrefix}-${pad(tenant + 1, 2)}`,
    site: `site-${pad(site + 1, 2)}`,
    device: `dev-${pad(index + 1, Math.max(5, String(shape.devices).length))}`,
  };
}

export function createFleet(shape: FleetShape, random: Random): SimulatedDevice[] {
  const fleet: SimulatedDevice[] = [];
  for (let index = 0; index < shape.devices; index++) {
    const address = deviceAddress(index, shape);
    const own = random.fork();
    fleet.push({
      ...address,
      index,
      topic: deviceTopic(address),
      skewMs: Math.round(own.between(-shape.clockSkew, shape.clockSkew)),
      lastTs: Number.NEGATIVE_INFINITY,
      metrics: shape.metrics.map((metric) => ({
        metric,
        path: seriesPath(address, metric),
        kind: metricCatalogue[metric].kind,
        unit: metricCatalogue[metric].unit,
        signal: signalFor(metric, own.fork(), { resetProbability: shape.counterResetProbability }),
      })),
    });
  }
  return fleet;
}
