/**
 * `set_desired`: the target's `desired` merged into a device's shadow, as a
 * shadow `update` to the shadow processor, its request id (and client
 * token) derived from the execution id. The execution then waits for the
 * update's result (fleet.shadow-results.v1, answers-consumer.ts): SUCCEEDED
 * when the shadow processor, the device's one writer, accepted it, FAILED
 * with its reason when it refused it.
 */
import { setDesiredTargetSchema } from '../../schemas/handlers';
import { shadowRequestIdFor } from './derived-ids';
import { desiredUpdateOf, handlerCaller, shadowAnswerWaitMs } from './device-requests';
import type { Handler } from './handler';

export const setDesiredHandler: Handler<'set_desired'> = {
  kind: 'set_desired',
  targetSchema: setDesiredTargetSchema,
  receiverOf: (tenant, target) => `device:${tenant}/${target.site}/${target.device}`,
  awaitedIdOf: (executionId) => shadowRequestIdFor(executionId),
  async execute(execution, services) {
    const now = Date.now();
    const request = desiredUpdateOf(execution.executionId, execution.tenant, execution.target, execution.target.desired, handlerCaller(execution.originId), now);
    try {
      await services.sendShadowRequest(request);
    } catch (error) {
      return { kind: 'retry', reason: `sending shadow request ${request.requestId}: ${(error as Error).message}` };
    }
    return { kind: 'awaiting', detail: `shadow request ${request.requestId} sent`, untilMs: now + shadowAnswerWaitMs };
  },
};
