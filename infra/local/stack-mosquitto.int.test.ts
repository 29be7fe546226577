/**
 * The stack script's Mosquitto, in a temporary state directory on free ports
 * (STACK_STATE_DIR): the plugin built, the service accounts hashed into the auth
 * file, the rules installed, and `stack.sh env` printing how to reach it. The
 * shared stack's broker is never touched.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { readAuthFile, writeAuthFile } from '../../broker/auth-file-io';
import { connectClient } from '../../broker/broker.fixture';
import { brokerPasswordHash } from '../../registry/broker-password-hash';
import { eventually, freePort, onCleanup } from '../../test/factories';

const run = promisify(execFile);
const script = join(__dirname, 'stack.sh');

async function sandboxBroker(): Promise<Record<string, string>> {
  const dir = mkdtempSync(join(tmpdir(), 'stack-mosquitto-'));
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

    // a device written into the auth file beside the service accounts gets in within seconds
    const services = await readAuthFile(env.MQTT_SERVICE_ACCOUNTS_FILE!);
    expect(services.map((account) => account.username).sort()).toEqual(['fleetstream-dev', env.MQTT_USERNAME]);
    const device = { username: 'acme/plant-1/meter', password: 'device-password' };
    await writeAuthFile(env.MQTT_AUTH_FILE!, [...services, { username: device.username, passwordHash: brokerPasswordHash(device.password) }]);
    const client = await eventually(() => connectClient(env.MQTT_URL!.replace(/\/\/[^@]*@/, '//'), device).catch(() => undefined), 'the device admitted', 10_000);
    const received = [connector, dev].map((subscriber) => new Promise<string>((resolve) => subscriber.once('message', (topic) => resolve(topic))));
    await client.publishAsync('fleet/acme/plant-1/meter/up', '{}', { qos: 1 });
    expect(await Promise.all(received)).toEqual(['fleet/acme/plant-1/meter/up', 'fleet/acme/plant-1/meter/up']);
  });
});
