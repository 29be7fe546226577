import { z } from 'zod';
import { FleetstreamError } from './errors';
import { kafkaSecurityOptions } from './kafka-security';
import { mqttSecurityOptions, mqttTlsOptions } from './mqtt-security';
import { duration, integer, list } from './option-types';
import { registrySecurityOptions } from './registry-security';

export type ConnectionSettings = z.output<typeof connectionSettingsSchema>;

/** The connection settings alone (the CLI's non-component commands, tests, benchmarks), validated as components do. */
export function readConnectionSettings(env: NodeJS.ProcessEnv = process.env): ConnectionSettings {
  return readComponentOptions(connectionSettingsSchema, { name: 'environment', envPrefix: '' }, env).options;
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
 * Connection options, each read from its own variable (KAFKA_BROKERS, ...) by
 * every component that takes it, defaulting to the local stack. Components
 * spread the ones they need into their options schema.
 */
export const connectionOptions = {
  kafkaBrokers: list(z.string().min(1), 1).prefault('127.0.0.1:9092')
    .meta({ env: 'KAFKA_BROKERS', description: 'Kafka bootstrap brokers, comma-separated.' }),
  schemaRegistryUrl: z.url().transform((url) => url.replace(/\/+$/, '')).prefault('http://127.0.0.1:8081/apis/ccompat/v7')
    .meta({ env: 'SCHEMA_REGISTRY_URL', description: 'Base URL of a Confluent-compatible schema registry.' }),
  databaseUrl: z.string().regex(/^postgres(ql)?:\/\//, 'must start with postgres://').default('postgres://postgres@127.0.0.1:5432/fleetstream')
    .meta({ env: 'DATABASE_URL', description: 'PostgreSQL (with TimescaleDB where installed).', secret: true }),
  redisUrl: z.string().regex(/^rediss?:\/\//, 'must start with redis:// or rediss://').default('redis://127.0.0.1:6379')
    .meta({ env: 'REDIS_URL', description: 'Redis.', secret: true }),
  mqttUrl: z.string().regex(/^(mqtts?|wss?|tcp|ssl):\/\//, 'must start with mqtt://, mqtts://, ws:// or wss://').default('mqtt://127.0.0.1:1883')
    .meta({ env: 'MQTT_URL', description: 'MQTT broker.', secret: true }),
};

/** Kafka's brokers and, for a secured cluster, TLS and SASL: what every Kafka client takes. */
export const kafkaConnectionOptions = {
  kafkaBrokers: connectionOptions.kafkaBrokers,
  kafkaSessionTimeout: duration({ min: 1000, max: 1_800_000 }).optional().meta({
    env: 'KAFKA_SESSION_TIMEOUT',
    description: "How long Kafka's group coordinator waits for a consumer that went silent (a killed process, a lost node) before it hands that consumer's partitions to the others. Default: each consumer's own (10s for the main consumers of the processors, sinks and handlers; kafkajs's 30s for the rollups corrector, the query API's and the history and restore readers). Must lie within the brokers' group.min.session.timeout.ms and group.max.session.timeout.ms (6s to 30m unless changed).",
  }),
  ...kafkaSecurityOptions,
};
/** The schema registry's URL, basic-auth credentials and CA: what every registry client takes. */
export const registryConnectionOptions = { schemaRegistryUrl: connectionOptions.schemaRegistryUrl, ...registrySecurityOptions };
/** The broker's URL, CA and client certificate: what every MQTT client takes (services add `mqttCredentialOptions`). */
export const mqttConnectionOptions = { mqttUrl: connectionOptions.mqttUrl, ...mqttTlsOptions };

/** The connection options alone, with the security options of Kafka, the registry and MQTT, as one schema. */
export const connectionSettingsSchema = z.strictObject({ ...connectionOptions, kafkaSessionTimeout: kafkaConnectionOptions.kafkaSessionTimeout, ...kafkaSecurityOptions, ...registrySecurityOptions, ...mqttSecurityOptions });

/** The variables of the servers (KAFKA_BROKERS, ...), which the tests need set; the security options are optional. */
export const connectionVariables = Object.values(connectionOptions).map((option) => (option.meta() as { env: string }).env);

export const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Options of the process around any component: its ops server and its log level. */
export const runtimeOptionsSchema = z.strictObject({
  opsPort: integer(0, 65_535).optional().meta({ env: 'OPS_PORT', description: "Port of /healthz, /readyz and /metrics. Default: the component's own (see the table of components)." }),
  logLevel: z.enum(logLevels).default('info').meta({ env: 'LOG_LEVEL', description: 'Least severe log level written.' }),
});

/** One option as documented: its key, its variable, its default as written in the environment. */
export interface OptionDoc {
  key: string;
  env: string;
  description: string;
  default?: string;
  /** The default is worked out at start (the host name): `default` only describes it. */
  computed: boolean;
  secret: boolean;
}

interface OptionMeta {
  env?: string;
  description?: string;
  /** The default as documentation shows it, where it is computed (the host name). */
  defaultText?: string;
  secret?: boolean;
}

/** `batchMaxRecords` -> `<PREFIX>BATCH_MAX_RECORDS`, unless the option names a variable of its own. */
export function optionVariable(prefix: string, key: string, schema: z.ZodType): string {
  const meta = (schema.meta() ?? {}) as OptionMeta;
  return meta.env ?? prefix + key.replace(/([A-Z])/g, '_$1').toUpperCase();
}

function defaultText(schema: z.ZodType, meta: OptionMeta): string | undefined {
  if (meta.defaultText !== undefined) return meta.defaultText;
  const def = schema._zod.def as { type: string; defaultValue?: unknown };
  if (def.type !== 'default' && def.type !== 'prefault') return undefined;
  const value = def.defaultValue;
  if (typeof value === 'function') return undefined;
  const text = Array.isArray(value)
    ? value.join(',')
    : value !== null && typeof value === 'object'
      ? Object.entries(value).map(([k, v]) => `${k}=${String(v)}`).join(',')
      : String(value);
  return text === '' ? undefined : text;
}

/** Every option of a schema, for `--help`, `fleetstream options`, the README and the manifests' checks. */
export function describeOptions(schema: z.ZodObject, prefix: string): OptionDoc[] {
  return Object.entries(schema.shape as Record<string, z.ZodType>).flatMap(([key, option]) => {
    const meta = (option.meta() ?? {}) as OptionMeta & { internal?: boolean };
    if (meta.internal) return [];
    return [{ key, env: optionVariable(prefix, key, option), description: meta.description ?? '', default: defaultText(option, meta), computed: meta.defaultText !== undefined, secret: meta.secret ?? false }];
  });
}

/**
 * The one config function: a component's options from the environment, each
 * option from its variable (`<PREFIX><OPTION>`, or the connection variable it
 * names), validated by the component's schema. A problem is CONFIG_INVALID and
 * names the variable; so does a `<PREFIX>...` variable that is no option.
 * Returns what the schema read, and the raw input to hand to `start(options)`.
 */
export function readComponentOptions<S extends z.ZodObject>(
  schema: S,
  component: { name: string; envPrefix: string },
  env: NodeJS.ProcessEnv = process.env,
): { options: z.output<S>; input: Record<string, string> } {
  const variables = new Map<string, string>();
  for (const [key, option] of Object.entries(schema.shape as Record<string, z.ZodType>)) variables.set(optionVariable(component.envPrefix, key, option), key);
  const input: Record<string, string> = {};
  const problems: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || value === '') continue;
    const key = variables.get(name);
    if (key !== undefined) input[key] = value;
    else if (component.envPrefix && name.startsWith(component.envPrefix)) problems.push(`${name}: not an option of ${component.name} (see \`fleetstream options ${component.name}\`)`);
  }
  const variableOf = new Map([...variables].map(([name, key]) => [key, name]));
  const result = schema.safeParse(input);
  if (result.success && problems.length === 0) return { options: result.data, input };
  for (const issue of result.success ? [] : result.error.issues) {
    const [key, ...rest] = issue.path.map(String);
    const name = key === undefined ? component.name : (variableOf.get(key) ?? key) + (rest.length ? ` (${rest.join('.')})` : '');
    problems.push(`${name}: ${issue.message}`);
  }
  throw new FleetstreamError('CONFIG_INVALID', `${component.name}: ${problems.join('; ')}`, { cause: result.success ? undefined : result.error });
}
