/**
 * Series per device: a device may report at most `max` distinct metrics; a
 * message that would give it more is refused whole (dead-lettered as
 * `series_limit`), so a device that mints a metric name per reading (a
 * timestamp or a counter in the name) cannot flood the series tables, the
 * rollup state and the hierarchy. Counted per connector process, from what
 * it has accepted since it started: a device spread over n replicas may
 * reach n times the limit. Pure.
 */
import type { Measurement } from '../schemas/types';
import type { BuildResult } from './measurement-builder';
import { deviceName } from '../registry/device-address';

export class DeviceSeriesLimit {
  private readonly seen = new Map<string, Set<string>>();

  constructor(private readonly max: number) {}

  /** `built` as it is, or refused when its new metrics would take the device past the limit; the metrics of an accepted one are counted. */
  admit(built: BuildResult): BuildResult {
    if (!built.ok || built.measurements.length === 0) return built;
    const first: Measurement = built.measurements[0]!;
    const device = deviceName({ tenant: first.tenant, site: first.site, device: first.device });
    const known = this.seen.get(device) ?? new Set<string>();
    const added = new Set(built.measurements.map((m) => m.metric).filter((metric) => !known.has(metric)));
    if (added.size === 0) return built;
    if (known.size + added.size > this.max) {
      return { ok: false, reason: 'series_limit', message: `device ${device} has ${known.size} series and this message adds ${added.size} (${[...added].slice(0, 5).join(', ')}${added.size > 5 ? ', ...' : ''}): more than maxSeriesPerDevice (${this.max})` };
    }
    for (const metric of added) known.add(metric);
    this.seen.set(device, known);
    return built;
  }

  /** Devices counted. */
  get devices(): number {
    return this.seen.size;
  }
}
