/**
 * The stack is real: each server answers a real client. Run against a stopped
 * server, each of these fails.
 */
import Redis from 'ioredis';
import mqtt from 'mqtt';
import { Pool } from 'pg';
import { producerDefaults } from '../../lib/kafka';
import { freshGroupId, freshKeyPrefix, freshTopic, onCleanup, testKafka, testSettings, uniqueName } from '../../test/factories';

describe('Kafka', () => {
  it('carries a record from a kafkajs producer to a kafkajs consumer group', async () => {
    const topic = await freshTopic();
    const kafka = testKafka();
    const producer = kafka.producer({ ...producerDefaults, idempotent: true });
    await producer.connect();
    onCleanup(() => producer.disconnect());
    await producer.send({ topic, acks: -1, messages: [{ key: '/t/s/d/m', value: 'hello kafka' }] });

    const consumer = kafka.consumer({ groupId: freshGroupId() });
    await consumer.connect();
    onCleanup(() => consumer.disconnect());
    await consumer.subscribe({ topic, fromBeginning: true });
    const received = await new Promise<{ key: string; value: string }>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) => resolve({ key: String(message.key), value: String(message.value) }),
      });
    });
    expect(received).toEqual({ key: '/t/s/d/m', value: 'hello kafka' });
  });
});

describe('PostgreSQL', () => {
  it('answers a query on the fleetstream database', async () => {
    const pool = new Pool({ connectionString: testSettings().databaseUrl, max: 1 });
    onCleanup(() => pool.end());
    const result = await pool.query<{ db: string; sum: number }>('select current_database() as db, $1::int + $2::int as sum', [40, 2]);
    expect(result.rows[0]).toEqual({ db: new URL(testSettings().databaseUrl).pathname.slice(1), sum: 42 });
  });
});

describe('Redis', () => {
  it('stores and returns a value', async () => {
    const redis = new Redis(testSettings().redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await redis.connect();
    const key = `${freshKeyPrefix()}roundtrip`;
    onCleanup(async () => {
      await redis.del(key);
      redis.disconnect();
    });
    await redis.set(key, 'hello redis', 'PX', 60000);
    expect(await redis.get(key)).toBe('hello redis');
  });
});

describe('Mosquitto', () => {
  it('delivers an MQTT 5 QoS 1 publish to a subscriber', async () => {
    const topic = `fleet-test/${uniqueName('mqtt')}`;
    const connect = () => mqtt.connectAsync(testSettings().mqttUrl, { protocolVersion: 5, clientId: uniqueName('c'), reconnectPeriod: 0 });
    const subscriber = await connect();
    onCleanup(() => subscriber.endAsync());
    const publisher = await connect();
    onCleanup(() => publisher.endAsync());
    await subscriber.subscribeAsync(topic, { qos: 1 });
    const received = new Promise<{ payload: string; contentType?: string }>((resolve) =>
      subscriber.on('message', (_topic, payload, packet) => resolve({ payload: payload.toString(), contentType: packet.properties?.contentType })),
    );
    await publisher.publishAsync(topic, 'hello mqtt', { qos: 1, properties: { contentType: 'text/plain' } });
    // contentType is an MQTT 5 property: it only survives a v5 session end to end
    expect(await received).toEqual({ payload: 'hello mqtt', contentType: 'text/plain' });
  });
});
