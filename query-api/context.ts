import type { ServerResponse } from 'node:http';
import type { Redis } from 'ioredis';
import type { Logger } from '../lib/logger';
import type { AdminOperations } from './admin/admin-operations';
import type { CommandsService } from './commands/commands-service';
import type { Caller } from './admin/caller';
import type { ConfigurationOperations } from './configuration/configuration-operations';
import type { Authenticator } from './authentication';
import type { Resolution } from './auto-resolution';
import type { Tables } from '../schemas/tables';
import type { Database } from './database';
import type { AlertFeed } from './alert-feed';
import type { LiveHub } from './live-hub';
import type { QueryApiOptions } from './options';
import type { ShadowService } from './shadow/shadow-service';
import type { TenantScope } from './tenant-scope';
import type { WebhookOperations } from './webhooks/webhook-operations';

/** What the routes share: stores, options, authentication, the admin operations, and the open live streams. */
export interface ApiContext {
  options: QueryApiOptions;
  db: Database;
  tables: Tables;
  redis: Redis;
  live: LiveHub;
  /** rollup resolutions, coarsest first */
  levels: Resolution[];
  auth: Authenticator;
  /** the admin API's operations over the registry */
  admin: AdminOperations;
  /** control configuration's operations (documents, assignments, rollout progress) */
  configuration: ConfigurationOperations;
  logger: Logger;
  /** open live and command event streams, ended when the server closes */
  liveStreams: Set<ServerResponse>;
  /** commands to devices, over Kafka */
  commands: CommandsService;
  /** device shadows: read from Kafka, changed through the shadow processor */
  shadows: ShadowService;
  /** webhook subscriptions (the webhooks republisher delivers them) */
  webhooks: WebhookOperations;
  /** the alert events as they are committed, for live streams */
  alerts: AlertFeed;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** set by the authentication hook of every /v1 query route */
    scope: TenantScope;
    /** set by the authentication hook of every admin route (/v1/admin/..., /v1/graphql) */
    caller: Caller;
  }
}
