import { z } from 'zod';
import { parseOptions } from '../lib/config';
import { defaultMetrics, metricNames } from './metrics';
import { malformedVariants } from './payload';

const fraction = z.number().min(0).max(1);

/**
 * Options of `runSimulation`, validated at start (unknown keys rejected). The
 * offered load is either `rate` (readings/s over the whole fleet) or
 * `intervalMs` (per device); the length is either `durationSeconds` or
 * `messages`.
 */
export const simulationOptionsSchema = z
  .strictObject({
    /** MQTT broker URL. Default: the local Mosquitto. */
    mqttUrl: z.string().regex(/^(mqtts?|wss?|tcp|ssl):\/\//, 'must start with mqtt://, mqtts://, ws:// or wss://').default('mqtt://127.0.0.1:1883'),
    /** Number of simulated devices. Default 1000. */
    devices: z.number().int().min(1).max(1_000_000).default(1000),
    /** Number of tenants the devices are spread over. Default 5. */
    tenants: z.number().int().min(1).default(5),
    /** Sites per tenant. Default 4. */
    sitesPerTenant: z.number().int().min(1).default(4),
    /** Tenant names are `<tenantPrefix>-01`, ...; tests pass a unique prefix to keep their series apart. Default `tenant`. */
    tenantPrefix: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'use lowercase letters, digits, - and _').default('tenant'),
    /** Metrics every device reports in each message (readings per message). Default temperature, energy_kwh, pulses. */
    metrics: z.array(z.enum(metricNames)).min(1).default(defaultMetrics),
    /** Offered load in readings per second over the whole fleet. Default 1000 (unless `intervalMs` is set). */
    rate: z.number().positive().optional(),
    /** Alternative to `rate`: each device publishes every `intervalMs` milliseconds. */
    intervalMs: z.number().positive().optional(),
    /** How long to publish, in seconds. Default 60 (unless `messages` is set). */
    durationSeconds: z.number().positive().optional(),
    /** Alternative to `durationSeconds`: number of regular device messages to publish (injections come on top). */
    messages: z.number().int().min(1).optional(),
    /** Event times get a uniform random offset of up to ±jitterMs. Default 0. */
    jitterMs: z.number().min(0).default(0),
    /** Each device's clock is off by a fixed amount of up to ±clockSkewMs. Default 0. */
    clockSkewMs: z.number().min(0).default(0),
    /** Fraction of regular messages that are published a second time, same payload. Default 0. */
    duplicateFraction: fraction.default(0),
    /** Fraction of regular messages held back and published after the device's next one (an earlier timestamp). Default 0. */
    outOfOrderFraction: fraction.default(0),
    /** Malformed messages published on top, as a fraction of regular messages. Default 0. */
    malformedFraction: fraction.default(0),
    /** Which kinds of malformed message to inject. Default all of them. */
    malformedVariants: z.array(z.enum(malformedVariants)).min(1).default([...malformedVariants]),
    /** Probability that a cumulative meter reading finds the meter reset to 0. Default 0.0005. */
    counterResetProbability: fraction.default(0.0005),
    /** Number of MQTT connections the devices share (device i uses connection i mod N); N = devices gives one per device. Default 16 (or devices, when fewer). */
    connections: z.number().int().min(1).optional(),
    /** Unacknowledged QoS 1 publishes allowed per connection before the simulator waits. Default 100. */
    maxInflightPerConnection: z.number().int().min(1).default(100),
    /** MQTT client ids are `<clientIdPrefix>-<run>-<n>`. Default `fleetsim`. */
    clientIdPrefix: z.string().min(1).default('fleetsim'),
    /** Seed of every random choice (values, injections), for reproducible runs. Default 1. */
    seed: z.number().int().default(1),
    /** How often `onProgress` is called, in milliseconds. Default 1000. */
    progressIntervalMs: z.number().int().min(50).default(1000),
    /** How long to wait at the end for outstanding acknowledgements, in milliseconds. Default 30000. */
    drainTimeoutMs: z.number().int().min(0).default(30_000),
  })
  .refine((o) => o.rate === undefined || o.intervalMs === undefined, { message: 'set either rate or intervalMs, not both' })
  .refine((o) => o.durationSeconds === undefined || o.messages === undefined, { message: 'set either durationSeconds or messages, not both' })
  .refine((o) => o.connections === undefined || o.connections <= o.devices, { message: 'must be at most devices (--connections equal to --devices gives one connection per device)', path: ['connections'] });

export type SimulationOptionsInput = z.input<typeof simulationOptionsSchema>;
export type SimulationOptions = z.output<typeof simulationOptionsSchema>;

/** Validated options plus what follows from them: message rate and the number of regular messages. */
export interface SimulationPlanOptions extends SimulationOptions {
  connections: number;
  /** Regular device messages per second over the fleet. */
  messageRate: number;
  /** Regular device messages to publish in all. */
  totalMessages: number;
}

export function resolveSimulationOptions(input: unknown): SimulationPlanOptions {
  const options = parseOptions(simulationOptionsSchema, input, 'simulate options');
  const readingsPerMessage = options.metrics.length;
  const messageRate = options.intervalMs !== undefined ? (options.devices * 1000) / options.intervalMs : (options.rate ?? 1000) / readingsPerMessage;
  const totalMessages = options.messages ?? Math.max(1, Math.round((options.durationSeconds ?? 60) * messageRate));
  return { ...options, connections: options.connections ?? Math.min(16, options.devices), messageRate, totalMessages };
}
