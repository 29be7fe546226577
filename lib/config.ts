import { z } from 'zod';
import { FleetstreamError } from './errors';

/**
 * Connection settings, read from the environment in this one place. Defaults
 * point at the local stack that `make up` starts.
 */
const connectionSettingsSchema = z.object({
  /** Comma-separated bootstrap brokers. Default: the local stack's Kafka. */
  KAFKA_BROKERS: z.string().min(1).default('127.0.0.1:9092'),
  /** Base URL of a Confluent-compatible schema registry. Default: the local stack's. */
  SCHEMA_REGISTRY_URL: z.url().default('http://127.0.0.1:8081/apis/ccompat/v7'),
  /** PostgreSQL (with TimescaleDB where installed). Default: database `fleetstream` on the local server. */
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must start with postgres://').default('postgres://postgres@127.0.0.1:5432/fleetstream'),
  /** Redis. Default: the local server. */
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must start with redis:// or rediss://').default('redis://127.0.0.1:6379'),
  /** MQTT broker. Default: the local Mosquitto. */
  MQTT_URL: z.string().regex(/^(mqtts?|wss?|tcp|ssl):\/\//, 'must start with mqtt://, mqtts://, ws:// or wss://').default('mqtt://127.0.0.1:1883'),
});

export interface ConnectionSettings {
  kafkaBrokers: string[];
  schemaRegistryUrl: string;
  databaseUrl: string;
  redisUrl: string;
  mqttUrl: string;
}

export const connectionVariables = Object.keys(connectionSettingsSchema.shape) as (keyof z.infer<typeof connectionSettingsSchema>)[];

export function readConnectionSettings(env: NodeJS.ProcessEnv = process.env): ConnectionSettings {
  const input = Object.fromEntries(connectionVariables.map((name) => [name, env[name] === '' ? undefined : env[name]]));
  const parsed = parseOptions(connectionSettingsSchema, input, 'environment');
  return {
    kafkaBrokers: parsed.KAFKA_BROKERS.split(',').map((b) => b.trim()).filter(Boolean),
    schemaRegistryUrl: parsed.SCHEMA_REGISTRY_URL.replace(/\/+$/, ''),
    databaseUrl: parsed.DATABASE_URL,
    redisUrl: parsed.REDIS_URL,
    mqttUrl: parsed.MQTT_URL,
  };
}

/**
 * Validates options against a zod schema, rejecting unknown keys where the
 * schema is strict, and turns every problem into one message that names the
 * option: `mqtt-source options: batchSize: must be at most 10000`.
 */
export function parseOptions<S extends z.ZodType>(schema: S, input: unknown, where: string): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const path = issue.path.join('.');
    return path ? `${path}: ${issue.message}` : issue.message;
  });
  throw new FleetstreamError('CONFIG_INVALID', `${where}: ${problems.join('; ')}`, { cause: result.error });
}

/** A URL with its password replaced, for log lines. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '<unparseable url>';
  }
}

/**
 * A component's own settings from the environment: `MQTT_SOURCE_BATCH_MAX_RECORDS=500`
 * becomes `{ batchMaxRecords: '500' }` for prefix `MQTT_SOURCE_`. Values stay
 * strings; the component's options schema coerces and validates them.
 */
export function componentEnv(prefix: string, env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const options: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(prefix) || value === undefined || value === '') continue;
    const key = name.slice(prefix.length).toLowerCase().replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
    options[key] = value;
  }
  return options;
}
