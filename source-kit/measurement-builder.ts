/**
 * Turns decoded readings from one message (an MQTT publish, an HTTP POST) into
 * Measurement records, or one rejection for the whole message (the message is
 * dead-lettered whole, with its original bytes, so nothing is half-accepted).
 * Pure: no I/O.
 */
import type { DeadLetterReason } from '../schemas/dead-letter-reason';
import type { Measurement, ParameterKind } from '../schemas/types';
import { segmentProblem, seriesPath, type DeviceAddress } from '../schemas/series-path';
import { decodePayload, type RawReading } from './payload';
import type { SeriesCatalogue } from './series-catalogue';

export interface MeasurementLimits {
  /** Readings more than this far ahead of the receive time are rejected. */
  maxFutureMs: number;
  /** Readings before this epoch ms are rejected. */
  minTimestamp: number;
  defaultKind: ParameterKind;
}

export type BuildResult = { ok: true; measurements: Measurement[] } | { ok: false; reason: DeadLetterReason; message: string };

export interface BuildContext {
  receivedAt: number;
  /** The MQTT topic the message came on; null for HTTP. */
  sourceTopic: string | null;
  catalogue: SeriesCatalogue;
  limits: MeasurementLimits;
}

/** A payload's measurements, as `device` sent them: decoded (payload.ts), then built. */
export function measurementsFromPayload(address: DeviceAddress, payload: Uint8Array, context: BuildContext): BuildResult {
  const decoded = decodePayload(payload, context.receivedAt);
  return decoded.ok ? buildMeasurements(address, decoded.readings, context) : decoded;
}

export function buildMeasurements(address: DeviceAddress, readings: RawReading[], context: BuildContext): BuildResult {
  const { receivedAt, limits } = context;
  for (const [name, segment] of Object.entries(address)) {
    const problem = segmentProblem(name, segment);
    if (problem) return { ok: false, reason: 'invalid_path', message: problem };
  }
  const measurements: Measurement[] = [];
  for (const reading of readings) {
    const problem = segmentProblem('metric', reading.metric);
    if (problem) return { ok: false, reason: 'invalid_path', message: problem };
    const timestamp = reading.timestamp ?? receivedAt;
    if (timestamp > receivedAt + limits.maxFutureMs) {
      return { ok: false, reason: 'timestamp_in_future', message: `timestamp ${new Date(timestamp).toISOString()} is more than ${limits.maxFutureMs / 60000} minutes after the receive time` };
    }
    if (timestamp < limits.minTimestamp) {
      return { ok: false, reason: 'timestamp_too_old', message: `timestamp ${timestamp} is before the floor ${new Date(limits.minTimestamp).toISOString()}` };
    }
    const path = seriesPath(address, reading.metric);
    const known = reading.kind === undefined || reading.unit === undefined ? context.catalogue.lookup(path, reading.metric) : undefined;
    measurements.push({
      path,
      tenant: address.tenant,
      site: address.site,
      device: address.device,
      metric: reading.metric,
      kind: reading.kind ?? known?.kind ?? limits.defaultKind,
      timestamp,
      value: reading.value,
      unit: reading.unit ?? known?.unit ?? null,
      tags: {},
      receivedAt,
      sourceTopic: context.sourceTopic,
    });
  }
  return { ok: true, measurements };
}
