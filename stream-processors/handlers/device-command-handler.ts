/**
 * `device_command`: a command to one device of the tenant through the
 * commands processor, its id derived from the execution id, so an attempt
 * made again sends the same command, which the processor ignores
 * (`duplicate_request`): one command per execution however often it is
 * tried. The execution then waits for the command's status
 * (fleet.command-status.v1, command-status-consumer.ts): SUCCEEDED when the
 * device answered so, FAILED for any other end.
 */
import { deviceCommandTargetSchema } from '../../schemas/handlers';
import { commandIdFor } from './derived-ids';
import { commandRequestOf, commandWaitMs, handlerCaller } from './device-requests';
import type { Handler } from './handler';

export const deviceCommandHandler: Handler<'device_command'> = {
  kind: 'device_command',
  targetSchema: deviceCommandTargetSchema,
  receiverOf: (tenant, target) => `device:${tenant}/${target.site}/${target.device}`,
  awaitedIdOf: (executionId) => commandIdFor(executionId),
  async execute(execution, services) {
    const now = Date.now();
    const request = commandRequestOf(execution.executionId, execution.tenant, execution.target, execution.target.params, handlerCaller(execution.originId), now);
    try {
      await services.sendCommand(request);
    } catch (error) {
      return { kind: 'retry', reason: `sending command ${request.id}: ${(error as Error).message}` };
    }
    return { kind: 'awaiting', detail: `command ${request.id} sent`, untilMs: now + commandWaitMs(request) };
  },
};
