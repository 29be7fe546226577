import type { Kafka } from 'kafkajs';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { parseOptions } from '../../lib/config';
import type { RunningComponent } from '../../lib/component';
import { FleetstreamError } from '../../lib/errors';
import { createKafka, kafkaConnection } from '../../lib/kafka';
import type { Logger } from '../../lib/logger';
import { createMetricsRegistry } from '../../lib/metrics';
import { closeOnFailure, type OpenedResources } from '../../lib/opened-resources';
import { checkDeviceCredentials, followRegistry, openRegistry, passwordMatches } from '../../registry';
import { startReadingProducer } from '../../source-kit/reading-producer';
import { loadSeriesCatalogue } from '../../source-kit/series-catalogue';
import { measurementLimits, tenantRateLimit } from '../../source-kit/source-options';
import { createDeviceAuthenticator } from './device-authentication';
import { KeyedRateLimit } from '../../lib/keyed-rate-limit';
import { FailedLoginLimit } from './failed-login-limit';
import { DeviceSeriesLimit } from '../../source-kit/device-series-limit';
import { buildIngestServer, ingestPath } from './ingest-server';
import { createIngestMetrics } from './ingest-metrics';
import { httpSourceOptionsSchema, type HttpSourceOptions } from './options';
import { rememberPasswordMatches } from './password-memo';
import { openDeviceMailbox } from './device-mailbox';

export interface RunningHttpSource extends RunningComponent {
  /** The port devices POST to (useful with port 0). */
  port: number;
}

/** `kafka` is injected by tests (a producer that holds or fails sends); otherwise made from the options. */
type HttpSourceInput = HttpSourceOptions & { logger: Logger; now?: () => number; kafka?: Kafka };

/**
 * The HTTP source: devices that cannot hold an MQTT session POST their
 * readings with their registry credentials; the readings become the same
 * Avro Measurement records on the same topic as the MQTT source's, with the
 * identity of the credentials, and a request is answered 202 only once Kafka
 * acknowledged them. Bad input is dead-lettered and answered 400.
 */
export function start(input: HttpSourceInput): Promise<RunningHttpSource> {
  return closeOnFailure(input.logger, (opened) => startWith(input, opened));
}

function readPem(file: string, option: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new FleetstreamError('CONFIG_INVALID', `http-source options: ${option}: cannot read ${file}: ${(error as Error).message}`, { cause: error });
  }
}

async function startWith(input: HttpSourceInput, opened: OpenedResources): Promise<RunningHttpSource> {
  const { logger, now = Date.now, kafka, ...rest } = input;
  const options = parseOptions(httpSourceOptionsSchema, rest, 'http-source options');
  const tls = options.tlsCertFile && options.tlsKeyFile
    ? { cert: readPem(options.tlsCertFile, 'tlsCertFile'), key: readPem(options.tlsKeyFile, 'tlsKeyFile'), ca: options.tlsClientCaFile === undefined ? undefined : readPem(options.tlsClientCaFile, 'tlsClientCaFile') }
    : undefined;
  const catalogue = loadSeriesCatalogue(options.catalogueFile);
  const registry = createMetricsRegistry('http-source');
  const stopping = new AbortController();
  let unacknowledged = () => 0;
  const metrics = createIngestMetrics(registry, () => unacknowledged());
  const producer = await startReadingProducer({
    source: 'http-source',
    kafka: kafka ?? createKafka({ ...kafkaConnection(options), clientId: `fleetstream-http-source-${hostname()}`, logger }),
    settings: options,
    metrics,
    logger,
    signal: stopping.signal,
    opened,
  });
  unacknowledged = () => producer.unacknowledged;
  // closed after the server (newest first): what requests handed over goes out, then retries end
  opened.add('kafka sends', async () => {
    await Promise.race([producer.drain(), new Promise((resolve) => setTimeout(resolve, 5000).unref())]);
    stopping.abort();
  });

  const deviceRegistry = openRegistry({ databaseUrl: options.databaseUrl, databaseSchema: options.registrySchema, applicationName: 'fleetstream-http-source-registry' });
  opened.add('registry pool', () => deviceRegistry.close());
  const matches = rememberPasswordMatches(passwordMatches);
  const authenticator = createDeviceAuthenticator((username, password) => checkDeviceCredentials(deviceRegistry, username, password, matches), { ttlMs: options.credentialCacheTtl });
  const follower = followRegistry(
    { databaseUrl: options.databaseUrl, databaseSchema: options.registrySchema },
    {
      onChange: (change) => change.type === 'device' && authenticator.forget(`${change.tenant}/${change.site}/${change.device}`),
      onResync: () => authenticator.clear(),
    },
    logger,
  );
  opened.add('registry listener', () => follower.close());

  const mailbox = await openDeviceMailbox({
    redisUrl: options.redisUrl,
    keyPrefix: options.keyPrefix,
    httpDeviceTtlMs: options.httpDeviceTtl,
    logger,
    onError: () => metrics.mailboxErrors.inc(),
  });
  opened.add('device mailbox', () => mailbox.close());
  const app = await buildIngestServer({
    mailbox,
    authenticator,
    failedLogins: new FailedLoginLimit({
      perDevice: { rate: options.failedLoginRate, burst: options.failedLoginBurst },
      perAddress: { rate: options.failedLoginAddressRate, burst: options.failedLoginAddressBurst },
    }),
    rateLimit: new KeyedRateLimit({ rate: options.deviceRate, burst: options.deviceBurst }),
    tenantLimit: tenantRateLimit(options),
    seriesLimit: new DeviceSeriesLimit(options.maxSeriesPerDevice),
    producer,
    metrics,
    logger,
    build: { catalogue, limits: measurementLimits(options) },
    now,
    limits: { maxBodyBytes: options.maxBodyBytes, maxInFlight: options.maxInFlight, maxUnacknowledged: options.maxUnacknowledged, retryAfterMs: options.retryAfter, ackTimeoutMs: options.ackTimeout, maxWaitMs: options.maxWait, presenceIntervalMs: options.presenceInterval },
    tls,
    trustProxy: options.trustProxy,
  });
  opened.add('http server', () => app.close());
  await app.listen({ port: options.port, host: options.host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  logger.info(
    { event: 'http_source_listening', port, path: ingestPath, https: tls !== undefined, clientCertificates: tls?.ca !== undefined, measurementsTopic: options.measurementsTopic },
    'http-source listening',
  );

  let stopped: Promise<void> | undefined;
  return {
    port,
    metrics: registry,
    ready: () => producer.healthy,
    // the server first (it answers the requests under way), then the records handed over, then the rest
    stop: () => (stopped ??= opened.close()),
  };
}
