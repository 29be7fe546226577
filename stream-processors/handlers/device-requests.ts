/**
 * The records handlers send to devices through the platform's processors: a
 * CommandRequest for the commands processor (fleet.commands.v1) and a shadow
 * `update` for the shadow processor (fleet.shadow-requests.v1), each with an
 * id derived from the execution id (derived-ids.ts), so that every attempt
 * sends the same request and the processor takes it once. Pure.
 */
import type { CommandRequest, ShadowRequest } from '../../schemas/types';
import { commandIdFor, shadowRequestIdFor } from './derived-ids';

export interface CommandFields {
  site: string;
  device: string;
  name: string;
  timeoutMs: number;
  persistent: boolean;
  ttlSeconds?: number | undefined;
}

/** Who asked, as the commands and shadow processors record it. */
export const handlerCaller = (originId: string) => `handlers:${originId}`;

export function commandRequestOf(executionId: string, tenant: string, fields: CommandFields, params: Record<string, unknown>, caller: string, now: number): CommandRequest {
  return {
    id: commandIdFor(executionId),
    tenant,
    site: fields.site,
    device: fields.device,
    action: 'send',
    name: fields.name,
    params: JSON.stringify(params),
    timeoutMs: fields.timeoutMs,
    persistent: fields.persistent,
    ttlSeconds: fields.persistent ? (fields.ttlSeconds ?? 3600) : null,
    caller,
    createdAt: now,
  };
}

/** How long after sending a command its status is awaited: its ttl while queued, its timeout once sent, and a minute for the pipeline. */
export function commandWaitMs(request: CommandRequest): number {
  return (request.persistent ? (request.ttlSeconds ?? 0) * 1000 : 0) + request.timeoutMs + 60_000;
}

/** How long an execution waits for its shadow update's result before it fails: the shadow processor answers in seconds while it runs. */
export const shadowAnswerWaitMs = 10 * 60_000;

/** A shadow `update` of the desired state (`{"state": {"desired": ...}, "clientToken": <request id>}`). */
export function desiredUpdateOf(executionId: string, tenant: string, device: { site: string; device: string }, desired: Record<string, unknown>, caller: string, now: number): ShadowRequest {
  const requestId = shadowRequestIdFor(executionId);
  return {
    requestId,
    tenant,
    site: device.site,
    device: device.device,
    operation: 'update',
    payload: Buffer.from(JSON.stringify({ state: { desired }, clientToken: requestId })),
    requestedAt: now,
    caller,
  };
}
