/**
 * The stack script's Mosquitto, in a temporary state directory on free ports
 * (STACK_STATE_DIR): the plugin built, the service accounts hashed into the auth
 * file, the rules installed, and `stack.sh env` printing how to reach it. The
 * shared stack's broker is never touched.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { readAuthFile, writeAuthFile } from '../../broker/auth-file-io';
import { connectClient, hashMatches } from '../../broker/broker.fixture';
import { brokerPasswordHash } from '../../registry/broker-password-hash';
import { eventually, freePort, onCleanup } from '../../test/factories';

const run = promisify(execFile);
const script = join(__dirname, 'stack.sh');

async function sandboxBroker(before: (stateDir: string) => Promise<void> = async () => undefined): Promise<Record<string, string>> {
  const dir = mkdtempSync(join(tmpdir(), 'stack-mosquitto-'));
  await before(join(dir, 'state'));
  const env = { ...process.env, STACK_STATE_DIR: join(dir, 'state'), MQTT_PORT: String(await freePort()), MQTT_TLS_PORT: String(await freePort()), MQTT_CERT_PORT: String(await freePort()), WAIT_SECONDS: '20', MQTT_URL: '' };
  onCleanup(async () => {
    await run(script, ['down'], { env });
    rmSync(dir, { recursive: true, force: true });
  });
  // only the broker: `up` would start the other servers too
  await run('bash', ['-c', `source "${script}" && mosquitto_up`], { env, timeout: 120_000 });
  const { stdout } = await run(script, ['env'], { env });
  return Object.fromEntries([...stdout.matchAll(/^export (\w+)=(.*)$/gm)].map(([, name, value]) => [name!, value!]));
}

describe("the stack's Mosquitto", () => {
  it('admits the dev account everywhere and the connector to its share group over TLS, and follows the auth file', async () => {
    const env = await sandboxBroker();
    const ca = readFileSync(env.MQTT_CA_FILE!);

    const dev = await connectClient(env.MQTT_URL!);
    const [everything] = await dev.subscribeAsync('fleet/#', { qos: 1 });
    expect(everything!.qos).toBe(1);
    const connector = await connectClient(env.MQTT_TLS_URL!, { username: env.MQTT_USERNAME, password: env.MQTT_PASSWORD, ca, rejectUnauthorized: true });
    const [shared] = await connector.subscribeAsync('$share/fleetstream/fleet/+/+/+/up', { qos: 1 });
    expect(shared!.qos).toBe(1);

    // the downlink's account publishes on a device's platform subtopics, and the connector's share group takes a device's answers
    const downlink = await connectClient(env.MQTT_TLS_URL!, { username: env.DOWNLINK_MQTT_USERNAME, password: env.DOWNLINK_MQTT_PASSWORD, ca, rejectUnauthorized: true });
    // mqtt.js resolves once the PUBACK accepts it, and rejects with the reason code when it refuses
    await expect(downlink.publishAsync('fleet/acme/plant-1/meter/config', '{}', { qos: 1, retain: true })).resolves.toMatchObject({ topic: 'fleet/acme/plant-1/meter/config' });
    await expect(downlink.publishAsync('fleet/acme/plant-1/meter/up', '{}', { qos: 1 })).rejects.toMatchObject({ code: 135 });
    const [answers] = await connector.subscribeAsync('$share/fleetstream/fleet/+/+/+/cmd/res/+/+', { qos: 1 });
    expect(answers!.qos).toBe(1);

    // the MQTT republisher's account publishes under fleet-out/ and nowhere else
    const republisher = await connectClient(env.MQTT_TLS_URL!, { username: env.REPUBLISHER_MQTT_USERNAME, password: env.REPUBLISHER_MQTT_PASSWORD, ca, rejectUnauthorized: true });
    await expect(republisher.publishAsync('fleet-out/acme/plant-1/meter/kw/rollup/1m', '{}', { qos: 1, retain: true })).resolves.toMatchObject({ topic: 'fleet-out/acme/plant-1/meter/kw/rollup/1m' });
    await expect(republisher.publishAsync('fleet/acme/plant-1/meter/up', '{}', { qos: 1 })).rejects.toMatchObject({ code: 135 });
    // the handler workers' account publishes inside fleet/ (mqtt_publish), nowhere else
    const handlers = await connectClient(env.MQTT_TLS_URL!, { username: env.HANDLERS_MQTT_USERNAME, password: env.HANDLERS_MQTT_PASSWORD, ca, rejectUnauthorized: true });
    await expect(handlers.publishAsync('fleet/acme/plant-1/lights', 'on', { qos: 1 })).resolves.toMatchObject({ topic: 'fleet/acme/plant-1/lights' });
    await expect(handlers.publishAsync('fleet-out/acme/plant-1/meter/kw/rollup/1m', '{}', { qos: 1 })).rejects.toMatchObject({ code: 135 });
    await handlers.endAsync();

    // a device written into the auth file beside the service accounts gets in within seconds
    const services = await readAuthFile(env.MQTT_SERVICE_ACCOUNTS_FILE!);
    expect(services.map((account) => account.username).sort()).toEqual(['fleetstream-dev', env.DOWNLINK_MQTT_USERNAME, env.MQTT_USERNAME, env.REPUBLISHER_MQTT_USERNAME, env.HANDLERS_MQTT_USERNAME].sort());
    const device = { username: 'acme/plant-1/meter', password: 'device-password' };
    await writeAuthFile(env.MQTT_AUTH_FILE!, [...services, { username: device.username, passwordHash: brokerPasswordHash(device.password) }]);
    const client = await eventually(() => connectClient(env.MQTT_URL!.replace(/\/\/[^@]*@/, '//'), device).catch(() => undefined), 'the device admitted', 10_000);
    const received = [connector, dev].map((subscriber) => new Promise<string>((resolve) => subscriber.once('message', (topic) => resolve(topic))));
    await client.publishAsync('fleet/acme/plant-1/meter/up', '{}', { qos: 1 });
    expect(await Promise.all(received)).toEqual(['fleet/acme/plant-1/meter/up', 'fleet/acme/plant-1/meter/up']);
  });

  it("gives a state made before the downlink's account that account and the later ones, keeping the others' passwords and hashes", async () => {
    const earlier = { source: 'source-password', dev: 'dev-password' };
    const earlierHashes = [
      { username: 'fleetstream-mqtt-source', passwordHash: brokerPasswordHash(earlier.source) },
      { username: 'fleetstream-dev', passwordHash: brokerPasswordHash(earlier.dev) },
    ];
    const env = await sandboxBroker(async (state) => {
      mkdirSync(join(state, 'mosquitto'), { recursive: true });
      writeFileSync(join(state, 'mosquitto', 'credentials.env'), `MQTT_USERNAME=fleetstream-mqtt-source\nMQTT_PASSWORD=${earlier.source}\nMQTT_DEV_USERNAME=fleetstream-dev\nMQTT_DEV_PASSWORD=${earlier.dev}\n`, { mode: 0o600 });
      await writeAuthFile(join(state, 'mosquitto', 'service-accounts'), earlierHashes);
    });
    expect([env.MQTT_USERNAME, env.MQTT_PASSWORD, env.DOWNLINK_MQTT_USERNAME]).toEqual(['fleetstream-mqtt-source', earlier.source, 'fleetstream-mqtt-downlink']);
    const services = await readAuthFile(env.MQTT_SERVICE_ACCOUNTS_FILE!);
    expect(services.slice(0, 2)).toEqual(earlierHashes);
    expect(services.map((account) => account.username)).toEqual(['fleetstream-mqtt-source', 'fleetstream-dev', 'fleetstream-mqtt-downlink', 'fleetstream-mqtt-republisher', 'fleetstream-handlers']);
    expect(hashMatches(services[2]!.passwordHash, env.DOWNLINK_MQTT_PASSWORD!)).toBe(true);
    expect(hashMatches(services[4]!.passwordHash, env.HANDLERS_MQTT_PASSWORD!)).toBe(true);
  });
});
