import { KafkaContainer } from '@testcontainers/kafka';
import { PostgreSqlContainer } from '@testcontainers/postgresql';
import { RedisContainer } from '@testcontainers/redis';
import { GenericContainer, Wait } from 'testcontainers';
import type { TestEnvironment } from './environment';

/**
 * The stack as containers, for machines with a Docker engine. Image tags are
 * pinned here and in infra/compose/docker-compose.yml. (CI on the project's own
 * machines has no Docker engine and runs against `make up` instead.)
 */
export const images = {
  // KafkaContainer drives Confluent's image; 7.9 is Kafka 3.9 in KRaft mode
  kafka: 'confluentinc/cp-kafka:7.9.0',
  timescaledb: 'timescale/timescaledb:2.23.0-pg17',
  redis: 'redis:7.4-alpine',
  mosquitto: 'eclipse-mosquitto:2.0.22',
  // the registry `make up` runs too (Apicurio, Confluent-compatible API under /apis/ccompat/v7)
  schemaRegistry: 'apicurio/apicurio-registry-mem:2.4.2.Final',
} as const;

export async function startContainers(): Promise<TestEnvironment> {
  const kafka = await new KafkaContainer(images.kafka).withKraft().start();
  const [postgres, redis, mosquitto, registry] = await Promise.all([
    new PostgreSqlContainer(images.timescaledb).withDatabase('fleetstream').start(),
    new RedisContainer(images.redis).start(),
    new GenericContainer(images.mosquitto)
      .withCommand(['sh', '-c', 'printf "listener 1883\\nallow_anonymous true\\nmax_queued_messages 1000000\\n" > /tmp/m.conf && exec mosquitto -c /tmp/m.conf'])
      .withExposedPorts(1883)
      .withWaitStrategy(Wait.forLogMessage(/running/))
      .start(),
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
      MQTT_URL: `mqtt://${mosquitto.getHost()}:${mosquitto.getMappedPort(1883)}`,
    },
    stop: async () => {
      await Promise.all([registry.stop(), mosquitto.stop(), redis.stop(), postgres.stop()]);
      await kafka.stop();
    },
  };
}
