/** Every handler kind and its implementation, one file each: a new kind is a file here and its target schema in schemas/handlers.ts. */
import type { HandlerKind } from '../../schemas/handlers';
import { deviceCommandHandler } from './device-command-handler';
import { emailHandler } from './email-handler';
import { forwardPayloadHandler } from './forward-payload-handler';
import type { Handler, HandlerExecution, HandlerOutcome } from './handler';
import type { HandlerServices } from './handler-services';
import { mqttPublishHandler } from './mqtt-publish-handler';
import { setDesiredHandler } from './set-desired-handler';
import { webhookHandler } from './webhook-handler';

export const handlerTable: { readonly [K in HandlerKind]: Handler<K> } = {
  webhook: webhookHandler,
  email: emailHandler,
  mqtt_publish: mqttPublishHandler,
  device_command: deviceCommandHandler,
  set_desired: setDesiredHandler,
  forward_payload: forwardPayloadHandler,
};

/** A handler of any kind, its target as the kind's schema parsed it. */
export interface AnyHandler {
  kind: HandlerKind;
  receiverOf(tenant: string, target: unknown): string;
  awaitedIdOf?(executionId: string, target: unknown): string | undefined;
  execute(execution: HandlerExecution<unknown>, services: HandlerServices): Promise<HandlerOutcome>;
}

/** The table's entry for `kind`; the caller parsed the target with the kind's schema (schemas/handlers.ts checkHandlerTarget). */
export function handlerFor(kind: HandlerKind): AnyHandler {
  return handlerTable[kind] as unknown as AnyHandler;
}
