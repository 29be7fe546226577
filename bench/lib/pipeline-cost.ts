import type { RunningProcess } from '../../infra/local/pipeline';
import { cpuSecondsPerMillion, findServerPids, startCostMeter, type CostMeter, type ProcessCost } from './process-cost';

/** What one component or server cost over a measurement. */
export interface ComponentCost {
  cpuSeconds: number;
  cpuSecondsPerMillion: number;
  peakRssMiB: number;
}

/** Meters every pipeline process, this process (the simulator's publishers) and the stack's servers, from now. */
export async function startPipelineCostMeter(processes: readonly RunningProcess[]): Promise<CostMeter> {
  const servers = await findServerPids();
  return startCostMeter({
    ...Object.fromEntries(processes.map((p) => [p.spec.name, [p.pid]])),
    simulator: 'self',
    kafka: servers.kafka,
    postgres: servers.postgres,
    redis: servers.redis,
    mosquitto: servers.mosquitto,
  });
}

/** The meter's costs per process group, CPU also per million of `readings`. */
export function componentCosts(costs: Record<string, ProcessCost>, readings: number): Record<string, ComponentCost> {
  return Object.fromEntries(
    Object.entries(costs).map(([name, c]) => [name, { cpuSeconds: c.cpuSeconds, cpuSecondsPerMillion: cpuSecondsPerMillion(c.cpuSeconds, readings), peakRssMiB: c.peakRssBytes / 2 ** 20 }]),
  );
}
