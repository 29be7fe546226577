/**
 * `forward_payload` (MyController's "forward payload"): the latest value of
 * one series of the tenant, as the redis-sink keeps it, written to another
 * device: one key of its desired state (a shadow update) or one parameter of
 * a command. Retried while the series has no value yet; the request and
 * command ids derive from the execution id, so retries never write twice.
 * The value is read again at each attempt: what is forwarded is the latest
 * when the attempt ran.
 */
import { forwardPayloadTargetSchema } from '../../schemas/handlers';
import { seriesPath } from '../../schemas/series-path';
import { commandIdFor, shadowRequestIdFor } from './derived-ids';
import { commandRequestOf, commandWaitMs, desiredUpdateOf, handlerCaller, shadowAnswerWaitMs } from './device-requests';
import type { Handler } from './handler';

export const forwardPayloadHandler: Handler<'forward_payload'> = {
  kind: 'forward_payload',
  targetSchema: forwardPayloadTargetSchema,
  receiverOf: (tenant, target) => `device:${tenant}/${target.to.site}/${target.to.device}`,
  awaitedIdOf: (executionId, target) => (target.to.as === 'command' ? commandIdFor(executionId) : shadowRequestIdFor(executionId)),
  async execute(execution, services) {
    const { target, tenant } = execution;
    const path = seriesPath({ tenant, site: target.from.site, device: target.from.device }, target.from.metric);
    const now = Date.now();
    try {
      const latest = await services.latestValue(path);
      if (latest === undefined) return { kind: 'retry', reason: `${path} has no value yet` };
      if (target.maxAgeMs !== undefined && now - latest.time > target.maxAgeMs) return { kind: 'failed', reason: `stale: the latest value of ${path} is from ${new Date(latest.time).toISOString()}` };
      const caller = handlerCaller(execution.originId);
      const from = `${path}=${latest.value} at ${new Date(latest.time).toISOString()}`;
      if (target.to.as === 'desired') {
        const request = desiredUpdateOf(execution.executionId, tenant, target.to, { [target.to.key]: latest.value }, caller, now);
        await services.sendShadowRequest(request);
        return { kind: 'awaiting', detail: `${from} sent as desired ${target.to.key} (shadow request ${request.requestId})`, untilMs: now + shadowAnswerWaitMs };
      }
      const request = commandRequestOf(execution.executionId, tenant, target.to, { [target.to.param]: latest.value }, caller, now);
      await services.sendCommand(request);
      return { kind: 'awaiting', detail: `${from} sent in command ${request.id}`, untilMs: now + commandWaitMs(request) };
    } catch (error) {
      return { kind: 'retry', reason: `forwarding ${path}: ${(error as Error).message}` };
    }
  },
};
