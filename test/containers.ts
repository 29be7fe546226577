import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KafkaContainer } from '@testcontainers/kafka';
import { PostgreSqlContainer } from '@testcontainers/postgresql';
import { RedisContainer } from '@testcontainers/redis';
import { GenericContainer, Wait, type StartedTestContainer } from 'testcontainers';
import type { TestEnvironment } from './environment';
import { accessRulesText, developmentRules, mqttSourceRules } from '../broker/access-rules';
import { writeAuthFile } from '../broker/auth-file-io';
import { makeTestCa } from '../broker/test-ca';
import { brokerPasswordHash } from '../registry/broker-password-hash';

/**
 * The stack as containers, for machines with a Docker engine. Image tags are
 * pinned here and in infra/compose/docker-compose.yml. (CI on the project's own
 * machines has no Docker engine and runs against `make up` instead.)
 */

const brokerRoot = join(__dirname, '..', 'broker');

/**
 * The broker as the local stack runs it: the project's plugin, no anonymous
 * clients, MQTT, TLS and client-certificate listeners. Its configuration,
 * auth file, rules and certificates are in a directory of the host, mounted
 * into the container, so a test may rewrite the auth file as on the stack
 * (MQTT_AUTH_FILE). MQTT_URL carries the transitional development account,
 * as `make env`'s does; the connector has its service account.
 */
async function startBroker(): Promise<{ container: StartedTestContainer; variables: Record<string, string>; stop(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'fleetstream-broker-container-'));
  const tls = await makeTestCa(dir);
  const development = { username: 'fleetstream-dev', password: randomBytes(18).toString('base64url') };
  const connector = { username: 'fleetstream-mqtt-source', password: randomBytes(18).toString('base64url') };
  const accounts = [development, connector].map(({ username, password }) => ({ username, passwordHash: brokerPasswordHash(password) }));
  await writeAuthFile(join(dir, 'service-accounts'), accounts);
  await writeAuthFile(join(dir, 'auth'), accounts);
  await writeFile(join(dir, 'access.rules'), accessRulesText([...mqttSourceRules(connector.username), ...developmentRules(development.username)]));
  const tlsFiles = (extra: string) => `cafile /fleetstream/ca.crt\ncertfile /fleetstream/server.crt\nkeyfile /fleetstream/server.key\n${extra}`;
  await writeFile(
    join(dir, 'mosquitto.conf'),
    [
      'per_listener_settings false\nallow_anonymous false\nuser root\n',
      'plugin /usr/lib/fleetstream/fleetstream_auth.so\nplugin_opt_auth_file /fleetstream/auth\nplugin_opt_rules_file /fleetstream/access.rules\n',
      'max_queued_messages 1000000\nmax_inflight_messages 1000\nmax_packet_size 1048576\nlog_dest stdout\n',
      'listener 1883\n',
      `listener 8883\n${tlsFiles('')}`,
      `listener 8884\n${tlsFiles('require_certificate true\nuse_identity_as_username true\n')}`,
    ].join(''),
  );
  // the container runs as root (`user root`): the files stay 0600 for everyone else
  await chmod(dir, 0o755);
  const image = await GenericContainer.fromDockerfile(brokerRoot, 'Dockerfile').build('fleetstream-broker:test', { deleteOnExit: false });
  const container = await image
    .withUser('0:0')
    .withBindMounts([{ source: dir, target: '/fleetstream' }])
    .withCommand(['-c', '/fleetstream/mosquitto.conf'])
    .withExposedPorts(1883, 8883, 8884)
    .withWaitStrategy(Wait.forLogMessage(/running/))
    .start();
  const at = (port: number) => `${container.getHost()}:${container.getMappedPort(port)}`;
  return {
    container,
    variables: {
      MQTT_URL: `mqtt://${development.username}:${development.password}@${at(1883)}`,
      MQTT_USERNAME: connector.username,
      MQTT_PASSWORD: connector.password,
      MQTT_TLS_URL: `mqtts://${at(8883)}`,
      MQTT_CERT_URL: `mqtts://${at(8884)}`,
      MQTT_CA_FILE: tls.caFile,
      MQTT_CA_KEY_FILE: tls.caKeyFile,
      MQTT_AUTH_FILE: join(dir, 'auth'),
      MQTT_SERVICE_ACCOUNTS_FILE: join(dir, 'service-accounts'),
    },
    stop: async () => {
      await container.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
export const images = {
  // KafkaContainer drives Confluent's image; 7.9 is Kafka 3.9 in KRaft mode
  kafka: 'confluentinc/cp-kafka:7.9.0',
  timescaledb: 'timescale/timescaledb:2.23.0-pg17',
  redis: 'redis:7.4-alpine',
  // the broker with the project's auth plugin: built from broker/Dockerfile (Debian's Mosquitto 2.0.11), as Kubernetes and compose run it
  // the registry `make up` runs too (Apicurio, Confluent-compatible API under /apis/ccompat/v7)
  schemaRegistry: 'apicurio/apicurio-registry-mem:2.4.2.Final',
} as const;

export async function startContainers(): Promise<TestEnvironment> {
  // as the local stack's broker: the tests run their killed consumers with a short KAFKA_SESSION_TIMEOUT (test/cli-process.ts)
  const kafka = await new KafkaContainer(images.kafka).withKraft().withEnvironment({ KAFKA_GROUP_MIN_SESSION_TIMEOUT_MS: '1000' }).start();
  const [postgres, redis, mosquitto, registry] = await Promise.all([
    new PostgreSqlContainer(images.timescaledb).withDatabase('fleetstream').start(),
    new RedisContainer(images.redis).start(),
    startBroker(),
    new GenericContainer(images.schemaRegistry)
      .withExposedPorts(8080)
      .withWaitStrategy(Wait.forHttp('/apis/ccompat/v7/subjects', 8080))
      .start(),
  ]);
  return {
    source: 'testcontainers',
    variables: {
      KAFKA_BROKERS: `${kafka.getHost()}:${kafka.getMappedPort(9093)}`,
      SCHEMA_REGISTRY_URL: `http://${registry.getHost()}:${registry.getMappedPort(8080)}/apis/ccompat/v7`,
      DATABASE_URL: postgres.getConnectionUri(),
      REDIS_URL: redis.getConnectionUrl(),
      ...mosquitto.variables,
    },
    stop: async () => {
      await Promise.all([registry.stop(), mosquitto.stop(), redis.stop(), postgres.stop()]);
      await kafka.stop();
    },
  };
}
