import { Redis } from 'ioredis';
import { parseOptions } from '../lib/config';
import type { RunningComponent } from '../lib/component';
import { closeOnFailure, type OpenedResources } from '../lib/opened-resources';
import { FleetstreamError } from '../lib/errors';
import { componentLogger, type Logger } from '../lib/logger';
import { createMetricsRegistry } from '../lib/metrics';
import { coarsestFirst } from './auto-resolution';
import { resolutionMs } from '../schemas/resolution';
import { AlertFeed } from './alert-feed';
import type { ApiContext } from './context';
import { tableNames } from '../schemas/tables';
import { createDatabase } from './database';
import { createLiveHub } from './live-hub';
import { queryApiOptionsSchema, type QueryApiOptionsInput } from './options';
import { buildServer } from './server';
import { followRegistry, openRegistry, verifyToken } from '../registry';
import { adminOperations } from './admin/admin-operations';
import { createAuthenticator } from './authentication';
import { createTokenVerifier } from './tenant-scope';
import { createTokenCache } from './token-cache';
import { createKafka, kafkaConnection } from '../lib/kafka';
import { createRegistryClient } from '../schemas/registry-client';
import { startShadowService } from './shadow/shadow-service';
import { assignmentPublisher } from './configuration/assignment-publisher';
import { configurationOperations } from './configuration/configuration-operations';
import { ConfigurationStore } from './configuration/configuration-store';
import { CommandsService } from './commands/commands-service';
import { SubscriptionStore } from './webhooks/subscription-store';
import { webhookOperations } from './webhooks/webhook-operations';

export type { QueryApiOptionsInput };

export interface RunningQueryApi extends RunningComponent {
  /** the HTTP port the API listens on (useful with port 0) */
  port: number;
}

function redisClient(url: string, name: string): Redis {
  // no offline queue: while Redis is away, reads fail fast with a 503 instead of piling up
  return new Redis(url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1, connectionName: name });
}

/** Starts the query API: HTTP server, PostgreSQL pool, Redis reader and pub/sub subscriber. */
export function start(input: QueryApiOptionsInput, logger: Logger = componentLogger('query-api')): Promise<RunningQueryApi> {
  return closeOnFailure(logger, (opened) => startWith(input, logger, opened));
}

async function startWith(input: QueryApiOptionsInput, logger: Logger, opened: OpenedResources): Promise<RunningQueryApi> {
  const options = parseOptions(queryApiOptionsSchema, input, 'query-api options');
  const metrics = createMetricsRegistry('query-api');
  const db = createDatabase(options);
  opened.add('postgresql pool', () => db.close());
  const redis = redisClient(options.redisUrl, 'fleetstream-query-api');
  const subscriber = redisClient(options.redisUrl, 'fleetstream-query-api-live');
  opened.add('redis', () => redis.disconnect());
  opened.add('redis subscriber', () => subscriber.disconnect());
  for (const client of [redis, subscriber]) client.on('error', (error: Error) => logger.warn({ event: 'redis_error', err: error }, 'redis connection error'));
  try {
    await Promise.all([redis.connect(), subscriber.connect()]);
  } catch (error) {
    throw new FleetstreamError('REDIS_UNAVAILABLE', `query-api cannot reach Redis: ${(error as Error).message}; check REDIS_URL`, { cause: error });
  }
  const registry = openRegistry({ databaseUrl: options.databaseUrl, databaseSchema: options.registrySchema, applicationName: 'fleetstream-query-api-registry' });
  opened.add('registry pool', () => registry.close());
  const registryTokens = createTokenCache((token) => verifyToken(registry, token), { ttlMs: options.tokenCacheTtl });
  // one client for the Kafka features (shadows, configuration assignments, commands): each makes its own connections from it
  const kafka = createKafka({ ...kafkaConnection(options), clientId: 'fleetstream-query-api', logger });
  const assignments = assignmentPublisher(
    () => kafka,
    createRegistryClient(options),
    options.configAssignmentsTopic,
  );
  opened.add('assignment producer', () => assignments.close());
  const configuration = new ConfigurationStore(registry, assignments, options.clock);
  const follower = followRegistry(
    { databaseUrl: options.databaseUrl, databaseSchema: options.registrySchema },
    {
      onChange: (change) => {
        if (change.type === 'token') registryTokens.clear();
        // a device joining a site or tag selector gets the configuration assigned there
        if (change.type === 'device' && ['added', 'updated', 'enabled'].includes(change.change)) {
          configuration.reconcileDevice(change).catch((error: unknown) => logger.warn({ event: 'configuration_reconcile_failed', tenant: change.tenant, site: change.site, device: change.device, err: error }, 'could not give a device its configuration'));
        }
      },
      onResync: () => registryTokens.clear(),
    },
    logger,
  );
  opened.add('registry listener', () => follower.close());
  const shadows = startShadowService({
    kafka,
    registryClient: createRegistryClient(options),
    logger,
    shadowsTopic: options.shadowsTopic,
    requestsTopic: options.shadowRequestsTopic,
    resultsTopic: options.shadowResultsTopic,
    timeoutMs: options.shadowTimeout,
  });
  opened.add('shadows', () => shadows.close());
  const commands = new CommandsService({
    kafka,
    registryClient: createRegistryClient(options),
    commandsTopic: options.commandsTopic,
    commandStatusTopic: options.commandStatusTopic,
    instanceId: options.instanceId,
    limits: {
      deviceRate: options.commandDeviceRate,
      deviceBurst: options.commandDeviceBurst,
      callerRate: options.commandCallerRate,
      callerBurst: options.commandCallerBurst,
      maxInFlightPerDevice: options.commandMaxInFlightPerDevice,
      maxInFlightPerCaller: options.commandMaxInFlightPerCaller,
    },
    historyMs: options.commandHistory,
    submittedMs: options.commandMaxWait,
    logger,
    now: options.clock,
  });
  opened.add('commands', () => commands.stop());
  commands.start();
  const alerts = new AlertFeed({ kafka, registryClient: createRegistryClient(options), topic: options.alertsTopic, logger });
  opened.add('alert feed', () => alerts.close());
  const context: ApiContext = {
    options,
    db,
    tables: tableNames(options.databaseSchema, options.resolutions),
    redis,
    live: createLiveHub(subscriber, options.keyPrefix, logger),
    levels: coarsestFirst(options.resolutions.map((name) => ({ name, durationMs: resolutionMs(name) }))),
    auth: createAuthenticator(createTokenVerifier(options.tokens, options.adminToken), registryTokens),
    admin: adminOperations(registry),
    configuration: configurationOperations(configuration),
    logger,
    liveStreams: new Set(),
    shadows,
    alerts,
    commands,
    webhooks: webhookOperations(new SubscriptionStore(registry)),
  };
  const app = await buildServer(context, metrics);
  opened.add('http server', () => {
    for (const stream of context.liveStreams) stream.end();
    return app.close();
  });
  await app.listen({ port: options.port, host: options.host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  logger.info({ event: 'query_api_listening', port, schema: options.databaseSchema, keyPrefix: options.keyPrefix, tenants: new Set(options.tokens.map((t) => t.tenant)).size }, 'query API listening');

  let stopping: Promise<void> | undefined;
  return {
    port,
    metrics,
    ready: () => redis.status === 'ready' && subscriber.status === 'ready',
    // shadows and commands are features of several: until they can be served their routes answer 503, and the rest works
    readiness: () => ({ ...shadows.readiness(), ...commands.readiness() }),
    stop: () =>
      (stopping ??= (async () => {
        await opened.close();
        logger.info({ event: 'query_api_stopped' }, 'query API stopped');
      })()),
  };
}
