/**
 * The connector between a secured broker and a secured Kafka (issue 15): MQTT
 * over TLS with the CA it is given and its own account, devices authenticated
 * by client certificates (common name = device), Kafka over SASL_SSL; and what
 * each side refuses, refused with the option to fix. The broker is this file's
 * own (broker/broker.fixture.ts), Kafka the stack's SASL_SSL listener.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { caOf, connectClient, startTestBroker, type TestBroker } from '../../broker/broker.fixture';
import { issueClientCertificate } from '../../broker/client-certificate';
import { runSimulation } from '../../simulator';
import { capturingLogger } from '../../test/capturing-logger';
import { eventually, onCleanup, uniqueName } from '../../test/factories';
import { securedKafka } from '../../test/secured-kafka';
import { TopicReader } from '../../test/topic-reader';
import { start } from './index';
import type { MqttSourceOptions } from './options';
import { sourceFixture, startSource } from './source.fixture';

const kafka = securedKafka();
/** The connector's Kafka options for the stack's SASL_SSL listener. */
const saslSsl = (password = kafka.password): Partial<MqttSourceOptions> => ({
  kafkaBrokers: [kafka.saslSslBrokers],
  kafkaSsl: true,
  kafkaCaFile: kafka.caFile,
  kafkaSaslMechanism: 'scram-sha-512',
  kafkaSaslUsername: kafka.username,
  kafkaSaslPassword: password,
});

let broker: TestBroker;
beforeAll(async () => {
  broker = await startTestBroker();
});

/** The connector on the broker's TLS listener with its own account: the broker's rules give it the uplinks under `fleet/`. */
function tlsBrokerOptions(overrides: Partial<MqttSourceOptions> = {}): Partial<MqttSourceOptions> {
  return {
    mqttUrl: broker.tlsUrl,
    mqttCaFile: broker.caFile,
    mqttUsername: broker.connector.username,
    mqttPassword: broker.connector.password,
    topicScheme: 'fleet/{tenant}/{site}/{device}/up',
    deviceTopicRoot: 'fleet/{tenant}/{site}/{device}',
    subscription: undefined,
    connections: 2,
    ...overrides,
  };
}

/** A device's client certificate and key, in files as MQTT_CERT_FILE and MQTT_KEY_FILE name them. */
async function certificateFiles(commonName: string): Promise<{ mqttCertFile: string; mqttKeyFile: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'device-cert-'));
  onCleanup(() => rm(dir, { recursive: true, force: true }));
  const certificate = await issueClientCertificate({ caFile: broker.caFile, caKeyFile: broker.caKeyFile, commonName });
  const files = { mqttCertFile: join(dir, 'device.crt'), mqttKeyFile: join(dir, 'device.key') };
  await writeFile(files.mqttCertFile, certificate.cert);
  await writeFile(files.mqttKeyFile, certificate.key, { mode: 0o600 });
  return files;
}

describe('mqtt-source on a secured broker and a secured Kafka', () => {
  it("carries readings from a device that authenticates with its client certificate, over TLS, to Kafka over SASL_SSL, under the certificate's device", async () => {
    const tenantPrefix = uniqueName('tls').toLowerCase();
    // the simulator's only device, as its topic names it; the broker's auth file must hold the account
    const device = `${tenantPrefix}-01/site-01/dev-00001`;
    await broker.grant({ username: device, password: uniqueName('unused') });
    const fixture = await sourceFixture({ ...tlsBrokerOptions(), ...saslSsl() });
    const source = await startSource(fixture.options);
    await eventually(() => (source.ready() ? true : undefined), 'the connector connected to both sides', 30_000);
    const reader = await TopicReader.start(fixture.options.measurementsTopic!);

    const stats = await runSimulation({ mqttUrl: broker.certUrl, mqttCaFile: broker.caFile, ...(await certificateFiles(device)), devices: 1, tenants: 1, sitesPerTenant: 1, tenantPrefix, messages: 4, rate: 200 });
    expect(stats).toMatchObject({ complete: true, acked: 4, readings: 12 });

    const records = await reader.waitFor(12);
    expect(new Set(records.map((r) => r.key!.split('/').slice(1, 4).join('/')))).toEqual(new Set([device]));

    // what it publishes besides readings, through the connector's rights on the device subtopics
    const messages = await TopicReader.start<{ kind: string; subtopic: string }>(fixture.options.deviceMessagesTopic!);
    const certificate = await issueClientCertificate({ caFile: broker.caFile, caKeyFile: broker.caKeyFile, commonName: device });
    const client = await connectClient(broker.certUrl, { ...certificate, ca: await caOf(broker.caFile), rejectUnauthorized: true });
    await client.publishAsync(`fleet/${device}/status`, 'online', { qos: 1, retain: true });
    const [status] = await messages.waitFor(1);
    expect(status).toMatchObject({ key: device, value: { kind: 'status', subtopic: 'status' } });
  });

  it('is refused by the certificate check without MQTT_CA_FILE: never ready, and logs that MQTT_CA_FILE is to be set', async () => {
    const fixture = await sourceFixture(tlsBrokerOptions({ mqttCaFile: undefined }));
    const { logger, events } = capturingLogger('mqtt-source');
    const source = await start({ ...fixture.options, logger });
    onCleanup(() => source.stop());
    const refused = await eventually(() => events().find((e) => e.event === 'mqtt_refused'), 'the refusal logged');
    expect(refused.msg).toMatch(/the broker's certificate is not trusted \(\w+\): set MQTT_CA_FILE/);
    expect(source.ready()).toBe(false);
  });

  it('fails to start with KAFKA_AUTH_FAILED when Kafka refuses its password, instead of retrying for ever', async () => {
    const fixture = await sourceFixture({ ...tlsBrokerOptions(), ...saslSsl(`${kafka.password}-wrong`) });
    await expect(startSource(fixture.options)).rejects.toMatchObject({ code: 'KAFKA_AUTH_FAILED', message: expect.stringContaining('KAFKA_SASL_PASSWORD') });
  });
});
