/**
 * TypeScript shapes of the Avro records in `avro/`. Times are epoch
 * milliseconds (the `timestamp-millis` longs, not Dates). `schemas.test.ts`
 * checks that each field list matches its schema.
 */
export type ParameterKind = 'energy' | 'additive' | 'non_additive';
export const parameterKinds: readonly ParameterKind[] = ['energy', 'additive', 'non_additive'];

export interface Measurement {
  path: string;
  tenant: string;
  site: string;
  device: string;
  metric: string;
  kind: ParameterKind;
  timestamp: number;
  value: number;
  unit: string | null;
  tags: Record<string, string>;
  receivedAt: number;
  sourceTopic: string | null;
}

export interface Rollup {
  path: string;
  tenant: string;
  site: string;
  device: string;
  metric: string;
  kind: ParameterKind;
  resolution: string;
  windowStart: number;
  windowEnd: number;
  count: number;
  sum: number;
  min: number;
  max: number;
  first: number;
  firstTime: number;
  last: number;
  lastTime: number;
  delta: number | null;
  resets: number;
  final: boolean;
  revision: number;
  computedAt: number;
}

export interface DeadLetter {
  source: string;
  reason: string;
  message: string;
  payload: Buffer;
  sourceTopic: string | null;
  headers: Record<string, string>;
  time: number;
}

export type DeviceMessageKind = 'command_ack' | 'command_result' | 'shadow_request' | 'config_ack' | 'status';

export interface DeviceMessage {
  tenant: string;
  site: string;
  device: string;
  kind: DeviceMessageKind;
  subtopic: string;
  payload: Buffer;
  receivedAt: number;
  transport: 'mqtt' | 'http';
  sourceTopic: string | null;
}

export interface DownlinkMessage {
  tenant: string;
  site: string;
  device: string;
  subtopic: string;
  payload: Buffer;
  retain: boolean;
  qos: 0 | 1;
  expiresAt: number | null;
  origin: string;
  createdAt: number;
}

export type CommandAction = 'send' | 'cancel';

export interface CommandRequest {
  id: string;
  tenant: string;
  site: string;
  device: string;
  action: CommandAction;
  name: string;
  params: string;
  timeoutMs: number;
  persistent: boolean;
  ttlSeconds: number | null;
  caller: string;
  createdAt: number;
}

export type CommandState = 'QUEUED' | 'SENT' | 'ACKED' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'EXPIRED' | 'CANCELED';

export interface CommandStatus {
  id: string;
  tenant: string;
  site: string;
  device: string;
  name: string;
  params: string;
  caller: string;
  persistent: boolean;
  timeoutMs: number;
  ttlSeconds: number | null;
  state: CommandState;
  reason: string | null;
  answer: Buffer | null;
  createdAt: number;
  queuedAt: number | null;
  sentAt: number | null;
  ackedAt: number | null;
  finishedAt: number | null;
  canceledBy: string | null;
  revision: number;
  updatedAt: number;
}

export type ShadowOperationName = 'update' | 'get' | 'delete';

export interface ShadowRequest {
  requestId: string;
  tenant: string;
  site: string;
  device: string;
  operation: ShadowOperationName;
  payload: Buffer;
  requestedAt: number;
  caller: string;
}

export interface ShadowResult {
  requestId: string;
  tenant: string;
  site: string;
  device: string;
  operation: ShadowOperationName;
  accepted: boolean;
  code: number;
  error: string | null;
  message: string | null;
  version: number;
  document: string | null;
  processedAt: number;
}

export interface ShadowState {
  tenant: string;
  site: string;
  device: string;
  version: number;
  deleted: boolean;
  document: string;
  updatedAt: number;
}

export interface ConfigAssignment {
  tenant: string;
  site: string;
  device: string;
  assignmentId: number;
  version: number;
  sha256: string;
  deviceType: string;
  deadline: number;
  target: string;
  assignedAt: number;
  assignedBy: string | null;
}

export type AlertTransitionName = 'pending' | 'cancelled' | 'firing' | 'escalated' | 'deescalated' | 'recovering' | 'relapsed' | 'resolved' | 'no_data';
export type AlertStatusName = 'normal' | 'pending' | 'firing' | 'recovering' | 'no_data';

export interface AlertEvent {
  alarmId: string;
  tenant: string;
  ruleId: string;
  path: string;
  transition: AlertTransitionName;
  from: AlertStatusName;
  to: AlertStatusName;
  severity: string | null;
  previousSeverity: string | null;
  value: number | null;
  reads: string;
  eventTime: number;
  episodeStart: number;
  labels: Record<string, string>;
  emittedAt: number;
}

export const handlerOriginKinds = ['automation', 'notification', 'api'] as const;
export type HandlerOriginKind = (typeof handlerOriginKinds)[number];
export const handlerStates = ['RUNNING', 'RETRYING', 'SUCCEEDED', 'FAILED', 'EXPIRED'] as const;
export type HandlerState = (typeof handlerStates)[number];

/** One execution of one handler (schemas/avro/handler-request.avsc); executionId is the idempotency key. */
export interface HandlerRequest {
  executionId: string;
  tenant: string;
  handler: string;
  /** JSON object as text: the handler's settings. */
  target: string;
  /** JSON object as text: what triggered it. */
  payload: string;
  originKind: HandlerOriginKind;
  originId: string;
  trigger: string;
  firedAt: number;
  requestedAt: number;
  deadlineAt: number | null;
}

/** An execution's current status (schemas/avro/handler-result.avsc). */
export interface HandlerResult {
  executionId: string;
  tenant: string;
  handler: string;
  originKind: HandlerOriginKind;
  originId: string;
  state: HandlerState;
  attempts: number;
  detail: string | null;
  nextAttemptAt: number | null;
  requestedAt: number;
  updatedAt: number;
}

/** Field lists the compiler holds to the interfaces above (no key missing, none extra). */
export const recordFields = {
  Measurement: Object.keys({
    path: 1, tenant: 1, site: 1, device: 1, metric: 1, kind: 1, timestamp: 1, value: 1, unit: 1, tags: 1, receivedAt: 1, sourceTopic: 1,
  } satisfies Record<keyof Measurement, 1>),
  Rollup: Object.keys({
    path: 1, tenant: 1, site: 1, device: 1, metric: 1, kind: 1, resolution: 1, windowStart: 1, windowEnd: 1, count: 1, sum: 1, min: 1, max: 1,
    first: 1, firstTime: 1, last: 1, lastTime: 1, delta: 1, resets: 1, final: 1, revision: 1, computedAt: 1,
  } satisfies Record<keyof Rollup, 1>),
  DeadLetter: Object.keys({
    source: 1, reason: 1, message: 1, payload: 1, sourceTopic: 1, headers: 1, time: 1,
  } satisfies Record<keyof DeadLetter, 1>),
  DeviceMessage: Object.keys({
    tenant: 1, site: 1, device: 1, kind: 1, subtopic: 1, payload: 1, receivedAt: 1, transport: 1, sourceTopic: 1,
  } satisfies Record<keyof DeviceMessage, 1>),
  DownlinkMessage: Object.keys({
    tenant: 1, site: 1, device: 1, subtopic: 1, payload: 1, retain: 1, qos: 1, expiresAt: 1, origin: 1, createdAt: 1,
  } satisfies Record<keyof DownlinkMessage, 1>),
  CommandRequest: Object.keys({
    id: 1, tenant: 1, site: 1, device: 1, action: 1, name: 1, params: 1, timeoutMs: 1, persistent: 1, ttlSeconds: 1, caller: 1, createdAt: 1,
  } satisfies Record<keyof CommandRequest, 1>),
  CommandStatus: Object.keys({
    id: 1, tenant: 1, site: 1, device: 1, name: 1, params: 1, caller: 1, persistent: 1, timeoutMs: 1, ttlSeconds: 1, state: 1, reason: 1, answer: 1,
    createdAt: 1, queuedAt: 1, sentAt: 1, ackedAt: 1, finishedAt: 1, canceledBy: 1, revision: 1, updatedAt: 1,
  } satisfies Record<keyof CommandStatus, 1>),
  ShadowRequest: Object.keys({
    requestId: 1, tenant: 1, site: 1, device: 1, operation: 1, payload: 1, requestedAt: 1, caller: 1,
  } satisfies Record<keyof ShadowRequest, 1>),
  ShadowResult: Object.keys({
    requestId: 1, tenant: 1, site: 1, device: 1, operation: 1, accepted: 1, code: 1, error: 1, message: 1, version: 1, document: 1, processedAt: 1,
  } satisfies Record<keyof ShadowResult, 1>),
  ShadowState: Object.keys({
    tenant: 1, site: 1, device: 1, version: 1, deleted: 1, document: 1, updatedAt: 1,
  } satisfies Record<keyof ShadowState, 1>),
  ConfigAssignment: Object.keys({
    tenant: 1, site: 1, device: 1, assignmentId: 1, version: 1, sha256: 1, deviceType: 1, deadline: 1, target: 1, assignedAt: 1, assignedBy: 1,
  } satisfies Record<keyof ConfigAssignment, 1>),
  AlertEvent: Object.keys({
    alarmId: 1, tenant: 1, ruleId: 1, path: 1, transition: 1, from: 1, to: 1, severity: 1, previousSeverity: 1, value: 1, reads: 1, eventTime: 1, episodeStart: 1, labels: 1, emittedAt: 1,
  } satisfies Record<keyof AlertEvent, 1>),
  HandlerRequest: Object.keys({
    executionId: 1, tenant: 1, handler: 1, target: 1, payload: 1, originKind: 1, originId: 1, trigger: 1, firedAt: 1, requestedAt: 1, deadlineAt: 1,
  } satisfies Record<keyof HandlerRequest, 1>),
  HandlerResult: Object.keys({
    executionId: 1, tenant: 1, handler: 1, originKind: 1, originId: 1, state: 1, attempts: 1, detail: 1, nextAttemptAt: 1, requestedAt: 1, updatedAt: 1,
  } satisfies Record<keyof HandlerResult, 1>),
};
