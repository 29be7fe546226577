/**
 * A HandlerRequest as the workers take it: its kind known, its target valid
 * for the kind and the tenant (schemas/handlers.ts), its payload JSON; made
 * into the execution row with its receiver and the command it will send.
 * Anything else is a rejection with its dead-letter reason. Pure.
 */
import { checkHandlerTarget, type HandlerKind } from '../../schemas/handlers';
import { segmentProblem } from '../../schemas/series-path';
import type { HandlerRequest } from '../../schemas/types';
import { handlerFor } from './handler-table';

/** The request's fields, its kind known and its target parsed, with what the workers derive. */
export type NewExecution = Omit<HandlerRequest, 'handler' | 'target'> & {
  handler: HandlerKind;
  target: unknown;
  receiver: string;
  commandId: string | null;
};

export type Intake = { ok: true; execution: NewExecution } | { ok: false; reason: 'handler_unknown' | 'handler_target_invalid' | 'undecodable'; message: string };

function parsedJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

export function intakeOf(request: HandlerRequest): Intake {
  const where = `execution ${request.executionId}`;
  if (request.executionId.length === 0 || request.executionId.length > 200) return { ok: false, reason: 'undecodable', message: `${where}: the execution id must be 1 to 200 characters` };
  const tenantProblem = segmentProblem('tenant', request.tenant);
  if (tenantProblem) return { ok: false, reason: 'undecodable', message: `${where}: ${tenantProblem}` };
  const target = parsedJson(request.target);
  if (!target.ok) return { ok: false, reason: 'handler_target_invalid', message: `${where}: the target is not JSON` };
  const payload = parsedJson(request.payload);
  if (!payload.ok || payload.value === null || typeof payload.value !== 'object') return { ok: false, reason: 'handler_target_invalid', message: `${where}: the payload is not a JSON object` };
  const checked = checkHandlerTarget(request.tenant, request.handler, target.value);
  if (!checked.ok) return { ok: false, reason: checked.reason, message: `${where}: ${checked.message}` };
  const handler = handlerFor(checked.kind);
  return {
    ok: true,
    execution: {
      ...request,
      handler: checked.kind,
      target: checked.target,
      receiver: handler.receiverOf(request.tenant, checked.target),
      commandId: handler.awaitedIdOf?.(request.executionId, checked.target) ?? null,
    },
  };
}
