/**
 * The handler requests of one fire: one per action, keyed by its execution
 * id (execution-id.ts), the payload telling the handler what fired. Pure.
 */
import type { Automation } from '../../schemas/automation';
import type { HandlerRequest } from '../../schemas/types';
import { executionId } from './execution-id';

export interface Fire {
  automation: Automation;
  /** `schedule:<ISO time>` or `event:<topic>/<partition>/<offset>` */
  trigger: string;
  /** the slot, or the event's time */
  firedAt: number;
  /** what the handlers may render or forward: the event, the missed slots, ... */
  details: Record<string, unknown>;
}

export function handlerRequestsOf(fire: Fire, now: number): HandlerRequest[] {
  const { automation } = fire;
  const payload = JSON.stringify({
    automation: { tenant: automation.tenant, id: automation.id, revision: automation.revision },
    trigger: fire.trigger,
    firedAt: new Date(fire.firedAt).toISOString(),
    ...fire.details,
  });
  return automation.actions.map((action, index) => ({
    executionId: executionId(automation.tenant, automation.id, automation.revision, fire.trigger, index),
    tenant: automation.tenant,
    handler: action.handler,
    target: JSON.stringify(action.target),
    payload,
    originKind: 'automation',
    originId: automation.id,
    trigger: fire.trigger,
    firedAt: fire.firedAt,
    requestedAt: now,
    deadlineAt: automation.deadlineMs === null ? null : fire.firedAt + automation.deadlineMs,
  }));
}
