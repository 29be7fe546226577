import { z } from 'zod';
import { connectionOptions, kafkaConnectionOptions, registryConnectionOptions } from '../../lib/config';
import { decimal, duration, integer } from '../../lib/option-types';
import { registryOptions } from '../../registry/options';
import { topicNames } from '../../schemas/topics';
import { deviceLimitOptions, producerOptions, readingTimeOptions, readingTopicOptions, tenantLimitOptions } from '../../source-kit/source-options';

/**
 * Options of the HTTP source (HTTP ingest for devices that cannot hold an
 * MQTT session): `HTTP_SOURCE_<OPTION>` in the environment, plus the
 * connection variables and REGISTRY_DATABASE_SCHEMA.
 */
export const httpSourceOptionsSchema = z
  .strictObject({
    port: integer(0, 65_535).default(8090).meta({ description: 'Port devices POST to (`/v1/ingest`); 0 picks a free one.' }),
    host: z.string().min(1).default('0.0.0.0').meta({ description: 'Interface to bind.' }),
    tlsCertFile: z.string().min(1).optional().meta({ description: 'PEM certificate (chain) to serve HTTPS with, together with `tlsKeyFile`. Default: none, plain HTTP.' }),
    tlsKeyFile: z.string().min(1).optional().meta({ description: 'PEM private key of `tlsCertFile`.' }),
    tlsClientCaFile: z.string().min(1).optional().meta({
      description: 'PEM CA whose client certificates are device credentials (common name = the device\'s username); needs HTTPS. Default: none, passwords only.',
    }),
    ...kafkaConnectionOptions,
    ...registryConnectionOptions,
    databaseUrl: connectionOptions.databaseUrl,
    // the registry's own variable (REGISTRY_DATABASE_SCHEMA), as the query API reads it
    registrySchema: registryOptions.databaseSchema,
    credentialCacheTtl: duration({ min: 0, max: 300_000 }).prefault('5s').meta({
      description: "How long a device's credential check is reused; a change of the device in the registry drops it at once, this bounds one missed while the change listener reconnects. 0 checks every request.",
    }),
    ...readingTopicOptions,
    maxBodyBytes: integer(64, 16 * 1024 * 1024).default(65_536).meta({ description: 'Larger bodies are refused with 413.' }),
    ...readingTimeOptions,
    ...deviceLimitOptions,
    deviceRate: decimal(0.001).default(1).meta({ description: 'Messages (requests) per second each device may send on average; more are refused with 429 and Retry-After.' }),
    deviceBurst: integer(1).default(10).meta({ description: 'Messages a device may send at once above its rate, after a quiet spell.' }),
    ...tenantLimitOptions,
    failedLoginRate: decimal(0.001).default(0.1).meta({
      description: "Failed password logins per second one client address may make for one device, on average: past it (and the burst), that address's logins as that device are refused with 429 (LOGIN_THROTTLED) and Retry-After before the password is checked (an scrypt comparison, tens of ms of CPU).",
    }),
    failedLoginBurst: integer(1).default(5).meta({ description: 'Failed logins one client address may make for one device at once, after a quiet spell.' }),
    failedLoginAddressRate: decimal(0.001).default(2).meta({ description: "Failed password logins per second one client address may make over all devices, on average; past it (and the burst), all of that address's password logins are refused the same way." }),
    trustProxy: z
      .string()
      .min(1)
      .optional()
      .transform((text) => (text === 'true' ? true : text))
      .meta({
        description:
          "The proxies in front of the ingest whose X-Forwarded-For names the device's address, which the failed-login limits count by: their addresses or CIDRs, comma-separated, or `true` for any. Behind an HTTP Ingress without it, every device has the Ingress's address and shares one failed-login budget. Default: none, the connecting address.",
      }),
    failedLoginAddressBurst: integer(1).default(50).meta({ description: 'Failed logins one client address may make over all devices at once, after a quiet spell.' }),
    maxInFlight: integer(1).default(1000).meta({ description: 'Requests handled at once; more are refused with 429 and Retry-After.' }),
    maxUnacknowledged: integer(1).default(50_000).meta({ description: 'Records waiting for Kafka; while more wait, requests are refused with 429 and Retry-After.' }),
    retryAfter: duration({ min: 1000, max: 3_600_000 }).prefault('1s').meta({ description: 'The Retry-After of a 429 for overload and of a 503 (whole seconds).' }),
    ackTimeout: duration({ min: 100 }).prefault('10s').meta({
      description: 'How long a request waits for Kafka to acknowledge its records before a 503; they may still arrive, and a retry is safe (duplicate readings count once).',
    }),
    ...producerOptions,
    deviceMessagesTopic: z.string().min(1).default(topicNames.deviceMessages).meta({ description: 'Topic of what devices answer the platform with (DeviceMessage records, key = <tenant>/<site>/<device>).' }),
    redisUrl: connectionOptions.redisUrl,
    keyPrefix: z.string().min(1).default('fleet:').meta({ description: "Prefix of the Redis keys of the devices' mailboxes (the redis-sink's keyPrefix)." }),
    maxWait: duration({ min: 0, max: 60_000 }).prefault('30s').meta({ description: 'The longest `?wait=` a device may ask for: how long a request waits for a command or configuration when nothing is pending.' }),
    httpDeviceTtl: duration({ min: 60_000 }).prefault('1d').meta({ description: 'How long after its last request a device still counts as one that talks HTTP, whose commands the mailbox keeps.' }),
    presenceInterval: duration({ min: 1000 }).prefault('5m').meta({ description: "At most this often a device's request on /v1/ingest/messages (an answer, a poll) is also reported as its `online` status: it has no MQTT session to be present by." }),
  })
  .superRefine((options, ctx) => {
    if ((options.tlsCertFile === undefined) !== (options.tlsKeyFile === undefined)) {
      ctx.addIssue({ code: 'custom', path: [options.tlsCertFile === undefined ? 'tlsCertFile' : 'tlsKeyFile'], message: 'HTTPS needs both tlsCertFile and tlsKeyFile' });
    }
    if (options.tlsClientCaFile !== undefined && options.tlsCertFile === undefined) {
      ctx.addIssue({ code: 'custom', path: ['tlsClientCaFile'], message: 'client certificates come over HTTPS only: set tlsCertFile and tlsKeyFile too' });
    }
  });

export type HttpSourceOptions = z.input<typeof httpSourceOptionsSchema>;
export type ResolvedHttpSourceOptions = z.output<typeof httpSourceOptionsSchema>;
