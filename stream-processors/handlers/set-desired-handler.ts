/**
 * `set_desired`: the target's `desired` merged into a device's shadow, as a
 * shadow `update` to the shadow processor, its request id (and client
 * token) derived from the execution id. Succeeds once Kafka has the request:
 * the processor, the device's one writer, applies it in order.
 */
import { setDesiredTargetSchema } from '../../schemas/handlers';
import { desiredUpdateOf, handlerCaller } from './device-requests';
import type { Handler } from './handler';

export const setDesiredHandler: Handler<'set_desired'> = {
  kind: 'set_desired',
  targetSchema: setDesiredTargetSchema,
  receiverOf: (tenant, target) => `device:${tenant}/${target.site}/${target.device}`,
  async execute(execution, services) {
    const request = desiredUpdateOf(execution.executionId, execution.tenant, execution.target, execution.target.desired, handlerCaller(execution.originId), Date.now());
    try {
      await services.sendShadowRequest(request);
    } catch (error) {
      return { kind: 'retry', reason: `sending shadow request ${request.requestId}: ${(error as Error).message}` };
    }
    return { kind: 'succeeded', detail: `shadow request ${request.requestId} sent` };
  },
};
