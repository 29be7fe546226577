/**
 * `webhook`: the payload POSTed to the target's URL as a Standard Webhooks
 * message: `webhook-id` is the execution id (the same at every attempt, so a
 * receiver drops what it already took), `webhook-timestamp` the attempt's,
 * `webhook-signature` HMAC-SHA256 with the target's secret. A 2xx succeeds;
 * 410 Gone fails for good; anything else is retried, `Retry-After` honoured.
 */
import type { AttemptResult } from '../../lib/http-delivery';
import { retryAfterMs } from '../../lib/retry-after';
import { webhookHeaders } from '../../lib/webhook-signature';
import { webhookSecretKey } from '../../schemas/webhooks';
import { webhookTargetSchema, type HandlerTarget } from '../../schemas/handlers';
import type { Handler, HandlerExecution, HandlerOutcome } from './handler';
import type { HandlerServices } from './handler-services';

/** The request body: the trigger's payload as `data`, with what fired it. */
export function webhookBody(execution: HandlerExecution<unknown>): string {
  return JSON.stringify({
    type: 'handler.execution',
    timestamp: new Date(execution.firedAt).toISOString(),
    executionId: execution.executionId,
    origin: execution.originId,
    trigger: execution.trigger,
    data: JSON.parse(execution.payload) as unknown,
  });
}

export function webhookOutcome(result: AttemptResult, now: number): HandlerOutcome {
  if (result.kind === 'unanswered') return { kind: 'retry', reason: `${result.failure}: ${result.message}` };
  if (result.status >= 200 && result.status < 300) return { kind: 'succeeded', detail: `HTTP ${result.status}` };
  if (result.status === 410) return { kind: 'failed', reason: 'HTTP 410: the receiver wants no more' };
  const afterMs = retryAfterMs(result.retryAfter, now);
  return { kind: 'retry', reason: `HTTP ${result.status}`, ...(afterMs === undefined ? {} : { afterMs }) };
}

export const webhookHandler: Handler<'webhook'> = {
  kind: 'webhook',
  targetSchema: webhookTargetSchema,
  receiverOf: (_tenant, target) => `webhook:${new URL(target.url).origin}`,
  async execute(execution, services) {
    const { target } = execution;
    const key = await signingKey(execution.tenant, target, services);
    if (typeof key === 'string') return { kind: 'retry', reason: key };
    const body = webhookBody(execution);
    const headers = { ...target.headers, ...webhookHeaders(execution.executionId, Date.now(), body, [key]) };
    return webhookOutcome(await services.http.post(target.url, body, headers), Date.now());
  },
};

/** The key to sign with, or why there is none yet (retried: the secret may be set meanwhile). */
async function signingKey(tenant: string, target: HandlerTarget<'webhook'>, services: HandlerServices): Promise<Buffer | string> {
  if (target.secretRef === undefined) return webhookSecretKey(target.secret!)!;
  let secret: string | undefined;
  try {
    secret = await services.handlerSecret(tenant, target.secretRef);
  } catch (error) {
    return `reading handler secret ${target.secretRef}: ${(error as Error).message}`;
  }
  if (secret === undefined) return `handler secret ${target.secretRef} of tenant ${tenant} is not set: fleetstream handler-secrets set ${tenant} ${target.secretRef}`;
  return webhookSecretKey(secret) ?? `handler secret ${target.secretRef} of tenant ${tenant} is not a Standard Webhooks secret (whsec_ and the base64 of 24 to 64 bytes)`;
}
