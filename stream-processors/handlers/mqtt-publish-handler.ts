/**
 * `mqtt_publish`: one message on the platform's broker, with the workers'
 * service account, on a topic of the tenant's space (schemas/handlers.ts
 * mqttPublishTopicProblem, checked when the request is taken). A PUBACK
 * refusing it fails for good (the account's rules); no connection is retried.
 * QoS 1 is at least once: an attempt retried after a lost PUBACK publishes again.
 */
import { mqttPublishTargetSchema } from '../../schemas/handlers';
import type { Handler } from './handler';

export const mqttPublishHandler: Handler<'mqtt_publish'> = {
  kind: 'mqtt_publish',
  targetSchema: mqttPublishTargetSchema,
  receiverOf: () => 'mqtt',
  async execute(execution, services) {
    const { target } = execution;
    const payload = Buffer.from(target.body ?? execution.payload);
    try {
      const outcome = await services.mqttPublish(target.topic, payload, target.qos, target.retain);
      if (!outcome.published) return { kind: 'failed', reason: `the broker refused the publication (reason code 0x${outcome.reasonCode.toString(16)}): check the handlers account's rules` };
      return { kind: 'succeeded', detail: `published on ${target.topic}` };
    } catch (error) {
      return { kind: 'retry', reason: `MQTT: ${(error as Error).message}` };
    }
  },
};
