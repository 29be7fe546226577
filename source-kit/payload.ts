/**
 * Payload formats devices publish, decoded into readings. Pure: no I/O.
 *
 * - one reading: `{"metric": "temperature", "value": 21.5, "ts"?: 1700000000000, "kind"?: "non_additive", "unit"?: "degC"}`
 * - a batch: `{"ts"?: ms, "readings": {"<metric>": value, ...}, "kinds"?: {"<metric>": kind}, "units"?: {"<metric>": unit}}`
 * - SenML JSON (RFC 8428): an array of records with bn/bt/bu/bv and n/u/v/s/t; times in seconds.
 * `ts` is epoch milliseconds or an ISO 8601 string.
 */
import { parameterKinds, type ParameterKind } from '../schemas/types';
import type { DeadLetterReason } from '../schemas/dead-letter-reason';

export interface RawReading {
  metric: string;
  value: number;
  /** epoch ms; undefined when the payload gave none (receive time is used) */
  timestamp: number | undefined;
  kind: ParameterKind | undefined;
  unit: string | undefined;
}

export type PayloadFormat = 'single' | 'batch' | 'senml';

export type DecodeResult =
  | { ok: true; format: PayloadFormat; readings: RawReading[] }
  | { ok: false; reason: DeadLetterReason; message: string };

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function decodePayload(bytes: Uint8Array, receivedAt: number): DecodeResult {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return { ok: false, reason: 'invalid_utf8', message: 'payload is not valid UTF-8' };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { ok: false, reason: 'malformed_json', message: `payload is not JSON: ${(error as Error).message}` };
  }
  try {
    if (Array.isArray(json)) return { ok: true, format: 'senml', readings: decodeSenml(json, receivedAt) };
    if (isObject(json) && 'readings' in json) return { ok: true, format: 'batch', readings: decodeBatch(json) };
    if (isObject(json) && 'metric' in json) return { ok: true, format: 'single', readings: [decodeSingle(json)] };
    throw new PayloadError('invalid_payload', 'expected a reading {"metric","value"}, a batch {"readings": {...}} or a SenML array');
  } catch (error) {
    if (error instanceof PayloadError) return { ok: false, reason: error.reason, message: error.message };
    throw error;
  }
}

class PayloadError extends Error {
  constructor(
    readonly reason: DeadLetterReason,
    message: string,
  ) {
    super(message);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function decodeSingle(json: Record<string, unknown>): RawReading {
  return {
    metric: requireString(json.metric, 'metric'),
    value: requireValue(json.value, 'value'),
    timestamp: optionalTimestamp(json.ts, 'ts'),
    kind: optionalKind(json.kind, 'kind'),
    unit: optionalString(json.unit, 'unit'),
  };
}

function decodeBatch(json: Record<string, unknown>): RawReading[] {
  if (!isObject(json.readings)) throw new PayloadError('invalid_payload', '"readings" must be an object of metric: value');
  const kinds = optionalRecord(json.kinds, 'kinds');
  const units = optionalRecord(json.units, 'units');
  const timestamp = optionalTimestamp(json.ts, 'ts');
  const entries = Object.entries(json.readings);
  if (entries.length === 0) throw new PayloadError('invalid_payload', '"readings" is empty');
  return entries.map(([metric, value]) => ({
    metric,
    value: requireValue(value, `readings.${metric}`),
    timestamp,
    kind: optionalKind(kinds?.[metric], `kinds.${metric}`),
    unit: optionalString(units?.[metric], `units.${metric}`),
  }));
}

/** RFC 8428: base fields apply to the records after them; t below 2^28 is relative to now. */
function decodeSenml(records: unknown[], receivedAt: number): RawReading[] {
  if (records.length === 0) throw new PayloadError('invalid_payload', 'SenML array is empty');
  let baseName = '';
  let baseTime = 0;
  let baseUnit: string | undefined;
  let baseValue = 0;
  return records.map((record, i) => {
    if (!isObject(record)) throw new PayloadError('invalid_payload', `SenML record ${i} is not an object`);
    if (record.bn !== undefined) baseName = requireString(record.bn, `[${i}].bn`, true);
    if (record.bt !== undefined) baseTime = requireNumber(record.bt, `[${i}].bt`);
    if (record.bu !== undefined) baseUnit = requireString(record.bu, `[${i}].bu`);
    if (record.bv !== undefined) baseValue = requireNumber(record.bv, `[${i}].bv`);
    const name = baseName + (record.n === undefined ? '' : requireString(record.n, `[${i}].n`, true));
    if (name === '') throw new PayloadError('invalid_payload', `SenML record ${i} has no name (n or bn)`);
    const raw = record.v !== undefined ? record.v : record.s;
    if (raw === undefined) throw new PayloadError('invalid_payload', `SenML record ${i} has no numeric value (v or s); string, boolean and data values are not measurements`);
    const seconds = baseTime + (record.t === undefined ? 0 : requireNumber(record.t, `[${i}].t`));
    const timestamp = seconds === 0 ? undefined : seconds < 2 ** 28 ? receivedAt + Math.round(seconds * 1000) : Math.round(seconds * 1000);
    return {
      metric: name,
      value: baseValue + requireValue(raw, `[${i}].v`),
      timestamp,
      kind: undefined,
      unit: record.u === undefined ? baseUnit : requireString(record.u, `[${i}].u`),
    };
  });
}

function requireString(value: unknown, field: string, allowEmpty = false): string {
  if (typeof value !== 'string' || (!allowEmpty && value === '')) throw new PayloadError('invalid_payload', `"${field}" must be a non-empty string`);
  return value;
}

function optionalString(value: unknown, field: string): string | undefined {
  return value === undefined || value === null ? undefined : requireString(value, field);
}

function requireNumber(value: unknown, field: string): number {
  if (typeof value !== 'number') throw new PayloadError('invalid_payload', `"${field}" must be a number`);
  if (!Number.isFinite(value)) throw new PayloadError('non_finite_value', `"${field}" is ${value}`);
  return value;
}

/** A measurement value: a finite number. "NaN"/"Infinity" strings and 1e999 (Infinity once parsed) are non-finite. */
function requireValue(value: unknown, field: string): number {
  if (typeof value === 'string' && /^[+-]?(nan|inf(inity)?)$/i.test(value.trim())) throw new PayloadError('non_finite_value', `"${field}" is ${value}`);
  return requireNumber(value, field);
}

function optionalTimestamp(value: unknown, field: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') {
    const ms = Date.parse(value);
    if (Number.isNaN(ms)) throw new PayloadError('invalid_payload', `"${field}" is not an ISO 8601 time or epoch milliseconds`);
    return ms;
  }
  const ms = requireNumber(value, field);
  if (!Number.isInteger(ms)) throw new PayloadError('invalid_payload', `"${field}" must be whole epoch milliseconds`);
  return ms;
}

function optionalKind(value: unknown, field: string): ParameterKind | undefined {
  if (value === undefined || value === null) return undefined;
  if (!(parameterKinds as readonly unknown[]).includes(value)) {
    throw new PayloadError('invalid_payload', `"${field}" must be one of ${parameterKinds.join(', ')}`);
  }
  return value as ParameterKind;
}

function optionalRecord(value: unknown, field: string): Record<string, unknown> | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) throw new PayloadError('invalid_payload', `"${field}" must be an object`);
  return value;
}
