/**
 * The broker's auth file sync: follows the registry (LISTEN, and a full
 * rebuild every resyncInterval) and keeps the plugin's auth file equal to the
 * service accounts plus every active device's current broker hash (and the
 * republish readers', with their rules when it owns the rules file). The plugin
 * notices the replaced file within a second and disconnects the devices that
 * were revoked, disabled, removed or rotated. Runs beside the broker, on the
 * volume that holds the file.
 */
import { Counter, Gauge } from 'prom-client';
import type { RunningComponent } from '../../lib/component';
import { componentLogger, type Logger } from '../../lib/logger';
import { FleetstreamError } from '../../lib/errors';
import { createMetricsRegistry } from '../../lib/metrics';
import { closeOnFailure, type OpenedResources } from '../../lib/opened-resources';
import { listenToRegistry, openRegistry, type RegistryChangeListener } from '../../registry';
import { authFileSync } from './auth-file-sync';
import { CoalescedRuns } from './coalesced-runs';
import { parseBrokerAuthSyncOptions } from './options';

/** How long a lost registry listener waits before it connects again. */
const relistenMs = 5000;

export function start(input: unknown, logger: Logger = componentLogger('broker-auth-sync')): Promise<RunningComponent> {
  return closeOnFailure(logger, (opened) => startWith(input, logger, opened));
}

async function startWith(input: unknown, logger: Logger, opened: OpenedResources): Promise<RunningComponent> {
  const options = parseBrokerAuthSyncOptions(input);
  const metrics = createMetricsRegistry('broker-auth-sync');
  const writes = new Counter({ name: 'fleetstream_broker_auth_sync_writes_total', help: 'Times the auth file was replaced', registers: [metrics] });
  const failures = new Counter({ name: 'fleetstream_broker_auth_sync_failures_total', help: 'Sync passes that failed (registry or file system); the next change or resync tries again', registers: [metrics] });
  const accounts = new Gauge({ name: 'fleetstream_broker_auth_sync_accounts', help: 'Accounts in the auth file, service accounts included', registers: [metrics] });

  const registry = openRegistry({ ...options, applicationName: 'fleetstream-broker-auth-sync' });
  opened.add('registry pool', () => registry.close());
  if ((options.rulesFile === undefined) !== (options.serviceRulesFile === undefined)) {
    throw new FleetstreamError('CONFIG_INVALID', 'BROKER_AUTH_SYNC_RULES_FILE and BROKER_AUTH_SYNC_SERVICE_RULES_FILE go together: set both (the sync writes the rules file) or neither');
  }
  const rules = options.rulesFile !== undefined && options.serviceRulesFile !== undefined ? { file: options.rulesFile, serviceRulesFile: options.serviceRulesFile } : undefined;
  const sync = authFileSync({ registry, authFile: options.authFile, serviceAccountsFile: options.serviceAccountsFile, rules });
  let synced = false;
  const pass = async (reason: string) => {
    const started = performance.now();
    const result = await sync();
    synced = true;
    accounts.set(result.accounts);
    if (result.written) {
      writes.inc();
      logger.info({ event: 'auth_file_written', reason, accounts: result.accounts, ms: Math.round(performance.now() - started) }, 'auth file written');
    }
  };
  // a registry that cannot be read at start is a start failure: the supervisor retries
  await pass('start');

  const runs = new CoalescedRuns(
    () =>
      pass('change').catch((error: unknown) => {
        synced = false;
        failures.inc();
        logger.error({ event: 'auth_file_sync_failed', err: error }, 'auth file sync failed; retrying at the next change or resync');
      }),
    options.settle,
  );
  opened.add('sync runs', () => runs.stop());

  let listener: RegistryChangeListener | undefined;
  let relisten: NodeJS.Timeout | undefined;
  let stopping = false;
  const listen = async (): Promise<void> => {
    relisten = undefined;
    try {
      listener = await listenToRegistry(options, (change) => {
        if (change.type === 'device' || change.type === 'republish_reader') runs.request();
      }, (error) => {
        logger.warn({ event: 'registry_listener_lost', err: error }, 'registry listener lost; listening again');
        const lost = listener;
        listener = undefined;
        void lost?.close().catch(() => undefined);
        if (!stopping) relisten ??= setTimeout(() => void listen(), relistenMs);
      });
      // changes while it was not listening
      runs.request();
    } catch (error) {
      logger.warn({ event: 'registry_listen_failed', err: error }, 'cannot listen to the registry; trying again');
      if (!stopping) relisten ??= setTimeout(() => void listen(), relistenMs);
    }
  };
  await listen();
  opened.add('registry listener', async () => {
    stopping = true;
    clearTimeout(relisten);
    await listener?.close();
  });
  const resync = setInterval(() => runs.request(), options.resyncInterval);
  opened.add('resync timer', () => clearInterval(resync));
  logger.info({ event: 'broker_auth_sync_started', authFile: options.authFile }, 'following the registry');

  return {
    metrics,
    ready: () => synced && listener !== undefined,
    readiness: () => ({ synced, listening: listener !== undefined }),
    stop: () => opened.close(),
  };
}
