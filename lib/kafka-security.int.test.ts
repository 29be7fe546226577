/**
 * fleetstream's Kafka options against the stack's secured listeners (SASL_SSL
 * and SSL with client certificates, infra/local/kafka/server.properties): each
 * SASL mechanism carries records both ways, and what Kafka refuses is refused
 * at once with an error that names the option to fix.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KafkaConfig } from 'kafkajs';
import { z } from 'zod';
import { issueClientCertificate } from '../broker/client-certificate';
import { freshGroupId, freshTopic, onCleanup, uniqueName } from '../test/factories';
import { saslSslEnvironment, securedKafka } from '../test/secured-kafka';
import { kafkaConnectionOptions, readComponentOptions } from './config';
import { createKafka, kafkaConnection, producerDefaults } from './kafka';
import { componentLogger } from './logger';

/** A kafkajs client made as every component makes one: its Kafka options read from the environment. */
function kafkaFrom(env: Record<string, string>, retry?: KafkaConfig['retry']) {
  const { options } = readComponentOptions(z.strictObject(kafkaConnectionOptions), { name: 'test', envPrefix: '' }, env);
  return createKafka({ ...kafkaConnection(options), clientId: uniqueName('secured'), logger: componentLogger('test'), retry });
}

async function connectedProducer(env: Record<string, string>, retry?: KafkaConfig['retry']) {
  const producer = kafkaFrom(env, retry).producer({ ...producerDefaults });
  await producer.connect();
  onCleanup(() => producer.disconnect());
  return producer;
}

/** How long `promise` takes to settle, and how it settled. */
async function timed(promise: Promise<unknown>): Promise<{ ms: number; error: unknown }> {
  const started = Date.now();
  const error = await promise.then(() => undefined, (e: unknown) => e);
  return { ms: Date.now() - started, error };
}

const kafka = securedKafka();

describe('Kafka over SASL_SSL', () => {
  it('produces with each mechanism (SCRAM-SHA-512, SCRAM-SHA-256, PLAIN) and consumes in a group with SCRAM-SHA-512', async () => {
    const topic = await freshTopic();
    const mechanisms = ['scram-sha-512', 'scram-sha-256', 'plain'] as const;
    for (const mechanism of mechanisms) {
      const producer = await connectedProducer(saslSslEnvironment(kafka, mechanism));
      await producer.send({ topic, acks: -1, messages: [{ key: mechanism, value: `produced with ${mechanism}` }] });
    }

    const consumer = kafkaFrom(saslSslEnvironment(kafka, 'scram-sha-512')).consumer({ groupId: freshGroupId(), maxWaitTimeInMs: 100 });
    await consumer.connect();
    onCleanup(() => consumer.disconnect());
    await consumer.subscribe({ topic, fromBeginning: true });
    const received: string[] = [];
    const all = new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) => {
          received.push(String(message.value));
          if (received.length === mechanisms.length) resolve();
        },
      });
    });
    await all;
    expect(received.sort()).toEqual(mechanisms.map((m) => `produced with ${m}`).sort());
  });

  it('refuses a wrong password at once, with KAFKA_AUTH_FAILED naming the options', async () => {
    const producer = kafkaFrom(saslSslEnvironment(kafka, 'scram-sha-512', `${kafka.password}-wrong`)).producer({ ...producerDefaults });
    const { ms, error } = await timed(producer.connect());
    expect(error).toMatchObject({ code: 'KAFKA_AUTH_FAILED', retriable: false, message: expect.stringMatching(/invalid credentials.*KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD/) });
    expect((error as Error).message).not.toContain(kafka.password);
    // no retries: kafkajs's own would take seconds
    expect(ms).toBeLessThan(3000);
  });

  it("refuses a broker whose certificate the client does not trust (the system's CAs alone): KAFKA_TLS_FAILED naming KAFKA_CA_FILE", async () => {
    const withoutCa = saslSslEnvironment(kafka);
    delete withoutCa.KAFKA_CA_FILE;
    const { error } = await timed(kafkaFrom(withoutCa, { retries: 1, initialRetryTime: 100 }).producer({ ...producerDefaults }).connect());
    expect(error).toMatchObject({ code: 'KAFKA_TLS_FAILED', retriable: false, message: expect.stringContaining('set KAFKA_CA_FILE') });
  });
});

describe('Kafka over SSL with a client certificate', () => {
  it('admits a client certificate from the CA the broker trusts, and refuses a client without one, naming KAFKA_CERT_FILE', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kafka-client-'));
    onCleanup(() => rm(dir, { recursive: true, force: true }));
    const certificate = await issueClientCertificate({ caFile: kafka.caFile, caKeyFile: kafka.caKeyFile, commonName: 'fleetstream-test-client' });
    await writeFile(join(dir, 'client.crt'), certificate.cert);
    await writeFile(join(dir, 'client.key'), certificate.key, { mode: 0o600 });
    const tls = { KAFKA_BROKERS: kafka.mtlsBrokers, KAFKA_SSL: 'true', KAFKA_CA_FILE: kafka.caFile };

    const topic = await freshTopic();
    const producer = await connectedProducer({ ...tls, KAFKA_CERT_FILE: join(dir, 'client.crt'), KAFKA_KEY_FILE: join(dir, 'client.key') });
    const [written] = await producer.send({ topic, acks: -1, messages: [{ value: 'with a client certificate' }] });
    expect(written!.errorCode).toBe(0);

    const { error } = await timed(kafkaFrom(tls, { retries: 1, initialRetryTime: 100 }).producer({ ...producerDefaults }).connect());
    expect(error).toMatchObject({ code: 'KAFKA_TLS_FAILED', message: expect.stringContaining('check KAFKA_CERT_FILE and KAFKA_KEY_FILE') });
  });
});
