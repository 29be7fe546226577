import { hostname } from 'node:os';
import { z } from 'zod';
import { kafkaConnectionOptions, registryConnectionOptions } from '../../lib/config';
import { duration, integer } from '../../lib/option-types';
import { topicNames } from '../../schemas/topics';
import { defaultShadowLimits } from './shadow-limits';

/**
 * Options of the shadow processor: `SHADOW_<OPTION>` in the environment,
 * plus the connection variables.
 */
export const shadowOptionsSchema = z.strictObject({
  ...kafkaConnectionOptions,
  ...registryConnectionOptions,
  deviceMessagesTopic: z.string().min(1).default(topicNames.deviceMessages).meta({ description: "What devices publish besides readings; its `shadow_request` records are the devices' shadow requests, the rest is skipped." }),
  requestsTopic: z.string().min(1).default(topicNames.shadowRequests).meta({ description: "The API's shadow requests (ShadowRequest); partitioned as the device messages." }),
  shadowsTopic: z.string().min(1).default(topicNames.shadows).meta({ description: 'The compacted topic of the shadows (ShadowState), partitioned as the inputs: read back at start and when partitions are assigned.' }),
  resultsTopic: z.string().min(1).default(topicNames.shadowResults).meta({ description: "The answers to the API's requests (ShadowResult)." }),
  downlinkTopic: z.string().min(1).default(topicNames.downlink).meta({ description: 'Messages for devices (DownlinkMessage): accepted, rejected and the retained delta, published by the mqtt-downlink.' }),
  deadLetterTopic: z.string().min(1).default(topicNames.deadLetter).meta({ description: 'Topic of rejected input, with the reason.' }),
  groupId: z.string().min(1).default('fleetstream-shadow').meta({ description: 'Consumer group; transactional ids are `<groupId>-<instanceId>`.' }),
  instanceId: z.string().min(1).default(hostname()).meta({ defaultText: 'the host name', description: 'Distinguishes instances (their transactional ids): keep it stable per instance, so that a restarted one fences its predecessor.' }),
  maxStateBytes: integer(256, 1_000_000).default(defaultShadowLimits.maxStateBytes).meta({ description: "Most bytes of a shadow's state (desired and reported as JSON); an update past it is refused, 413 StateTooLarge." }),
  maxDepth: integer(1, 32).default(defaultShadowLimits.maxDepth).meta({ description: 'Most levels of nesting in desired or in reported (objects and arrays); deeper is refused, 400 StateTooDeep.' }),
  maxKeys: integer(1, 100_000).default(defaultShadowLimits.maxKeys).meta({ description: 'Most keys, at every level, in desired and reported together; more is refused, 413 TooManyKeys.' }),
  maxRequestBytes: integer(256, 1_000_000).default(defaultShadowLimits.maxRequestBytes).meta({ description: 'Most bytes of one request; more is refused, 413 PayloadTooLarge.' }),
  restoreTimeout: duration({ min: 1 }).prefault('5m').meta({
    description: 'How long reading the shadows of assigned partitions back from the shadows topic may take before the processor fails, and the process exits 1, rather than hang.',
  }),
});

export type ShadowOptions = z.input<typeof shadowOptionsSchema>;
