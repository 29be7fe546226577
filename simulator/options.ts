import { z } from 'zod';
import { mqttConnectionOptions, parseOptions } from '../lib/config';
import { registryOptions } from '../registry/options';
import { decimal, duration, flag, integer, list } from '../lib/option-types';
import { defaultMetrics, metricNames } from './metrics';
import { malformedVariants } from './payload';

const fraction = decimal(0, 1);
const count = (min: number, max?: number) => integer(min, max);

/**
 * Options of `runSimulation` and `fleetstream simulate` (whose flags are
 * generated from this schema: `--devices`, `--sites-per-tenant`, ...),
 * validated at start, unknown keys rejected. The offered load is either `rate`
 * (readings/s over the whole fleet) or `interval` (per device); the length is
 * either `duration` or `messages`.
 */
export const simulationOptionsSchema = z
  .strictObject({
    ...mqttConnectionOptions,
    provision: flag.default(false).meta({
      description:
        "Give every simulated device its own credentials: added to the device registry (DATABASE_URL, REGISTRY_DATABASE_SCHEMA) when missing, kept in `credentialsFile`, and one MQTT connection per device with them (the broker lets a device publish only to its own topics). Without it the devices share `connections` connections as MQTT_URL's account.",
    }),
    respond: flag.default(false).meta({
      description:
        'The simulated devices answer the platform as firmware does: they acknowledge and answer commands (ping, set_interval, reboot; once per command id), apply and report shadow deltas, apply and acknowledge configuration, and keep a retained online status (offline as the last will, with `provision`).',
    }),
    credentialsFile: z.string().min(1).default('.local/simulator/credentials').meta({ description: 'Where `provision` keeps the devices\' passwords (mode 0600), as a device keeps its own; reused by later runs.' }),
    registryDatabaseUrl: registryOptions.databaseUrl,
    registryDatabaseSchema: registryOptions.databaseSchema,
    devices: count(1, 1_000_000).default(1000).meta({ description: 'Simulated devices.' }),
    tenants: count(1).default(5).meta({ description: 'Tenants the devices are spread over.' }),
    sitesPerTenant: count(1).default(4).meta({ description: 'Sites per tenant.' }),
    tenantPrefix: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'use lowercase letters, digits, - and _').default('tenant').meta({
      description: 'Tenant names are `<prefix>-01`, ...; tests pass a unique prefix to keep their series apart.',
    }),
    metrics: list(z.enum(metricNames), 1).prefault(defaultMetrics).meta({ description: 'Metrics every device reports in each message (readings per message).' }),
    rate: decimal(Number.MIN_VALUE).optional().meta({ description: 'Offered readings per second over the whole fleet. Default 1000 (unless `interval` is set).' }),
    interval: duration({ min: 1 }).optional().meta({ description: 'Instead of `rate`: each device publishes this often.' }),
    duration: duration({ min: 1 }).optional().meta({ description: 'How long to publish. Default 60s (unless `messages` is set).' }),
    messages: count(1).optional().meta({ description: 'Instead of `duration`: regular device messages to publish (injections come on top).' }),
    jitter: duration().prefault('0s').meta({ description: 'Event times get a uniform random offset of up to plus or minus this.' }),
    clockSkew: duration().prefault('0s').meta({ description: "Each device's clock is off by a fixed amount of up to plus or minus this." }),
    duplicateFraction: fraction.default(0).meta({ description: 'Fraction of regular messages published a second time, same payload.' }),
    outOfOrderFraction: fraction.default(0).meta({ description: "Fraction of regular messages held back and published after the device's next one (an earlier timestamp)." }),
    malformedFraction: fraction.default(0).meta({ description: 'Malformed messages published on top, as a fraction of regular messages.' }),
    malformedVariants: list(z.enum(malformedVariants), 1).prefault([...malformedVariants]).meta({ description: 'Which kinds of malformed message to inject.' }),
    counterResetProbability: fraction.default(0.0005).meta({ description: 'Probability that a cumulative meter reading finds the meter reset to 0.' }),
    connections: count(1).optional().meta({ description: 'MQTT connections the devices share (device i uses connection i mod N); N = devices gives one per device. Default 16 (or devices, when fewer).' }),
    maxInflightPerConnection: count(1).default(100).meta({ description: 'Unacknowledged QoS 1 publishes allowed per connection before the simulator waits.' }),
    clientIdPrefix: z.string().min(1).default('fleetsim').meta({ description: 'MQTT client ids are `<prefix>-<run>-<n>`.' }),
    seed: z.coerce.number().int().default(1).meta({ description: 'Seed of every random choice (values, injections), for reproducible runs.' }),
    progressInterval: duration({ min: 50 }).prefault('1s').meta({ description: 'How often progress is reported.' }),
    drainTimeout: duration().prefault('30s').meta({ description: 'How long to wait at the end for outstanding acknowledgements.' }),
  })
  .refine((o) => o.rate === undefined || o.interval === undefined, { message: 'set either rate or interval, not both' })
  .refine((o) => o.duration === undefined || o.messages === undefined, { message: 'set either duration or messages, not both' })
  .refine((o) => o.connections === undefined || o.connections <= o.devices, { message: 'must be at most devices (--connections equal to --devices gives one connection per device)', path: ['connections'] })
  .refine((o) => !o.provision || o.connections === undefined || o.connections === o.devices, { message: 'provisioned devices each have a connection of their own: leave connections out', path: ['connections'] });

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
  const messageRate = options.interval !== undefined ? (options.devices * 1000) / options.interval : (options.rate ?? 1000) / readingsPerMessage;
  const totalMessages = options.messages ?? Math.max(1, Math.round(((options.duration ?? 60_000) / 1000) * messageRate));
  const connections = options.provision ? options.devices : (options.connections ?? Math.min(16, options.devices));
  return { ...options, connections, messageRate, totalMessages };
}
