/**
 * The deployed broker's configuration (infra/k8s/broker: Kubernetes and compose
 * mount the same files) in a real Mosquitto with the project's plugin, as the
 * pod runs it: the broker-auth-sync component of the table writes the auth file
 * first, then the broker starts. Only what the pod's volumes and the image fix
 * is moved: `/mosquitto/...` into a temporary directory, the plugin to where
 * its Makefile builds it, the listeners to free ports on 127.0.0.1, the user to
 * whoever runs the test, and a log file beside stdout.
 */
import { copyFile, mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { connect as tlsConnect } from 'node:tls';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { componentNamed } from '../../bin/components';
import { writeAuthFile } from '../../broker/auth-file-io';
import { buildBrokerPlugin } from '../../broker/broker-plugin';
import { connectClient } from '../../broker/broker.fixture';
import { makeTestCa } from '../../broker/test-ca';
import { issueClientCertificate } from '../../broker/client-certificate';
import { startMosquitto } from '../../broker/plugin-broker';
import { componentLogger } from '../../lib/logger';
import { addDevice } from '../../registry';
import { brokerPasswordHash } from '../../registry/broker-password-hash';
import { freshRegistry } from '../../registry/registry.fixture';
import { eventually, freePort, onCleanup, testSettings, uniqueName } from '../../test/factories';

const deployed = join(__dirname, 'broker');

/** MQTT's variable-length integer (the fixed header's remaining length). */
function remainingLength(length: number): Buffer {
  const bytes: number[] = [];
  do {
    let byte = length % 128;
    length = Math.floor(length / 128);
    if (length > 0) byte |= 0x80;
    bytes.push(byte);
  } while (length > 0);
  return Buffer.from(bytes);
}

const utf8 = (text: string) => {
  const bytes = Buffer.from(text);
  return Buffer.concat([Buffer.from([bytes.length >> 8, bytes.length & 0xff]), bytes]);
};

/** An MQTT 3.1.1 CONNECT with a username and password, clean session, keep-alive 60 s. */
function connectPacket(clientId: string, username: string, password: string): Buffer {
  const body = Buffer.concat([utf8('MQTT'), Buffer.from([4, 0xc2, 0, 60]), utf8(clientId), utf8(username), utf8(password)]);
  return Buffer.concat([Buffer.from([0x10]), remainingLength(body.length), body]);
}

/** `promise`, or a rejection saying `what` once `ms` have passed. */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => (timer = setTimeout(() => reject(new Error(`after ${ms} ms: ${what}`)), ms)));
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

describe('the deployed broker configuration', () => {
  it('admits a device the sync wrote and the connector over TLS, refuses anonymous clients, cuts off a 256 MB publish at its header, and persists', async () => {
    const root = await mkdtemp(join(tmpdir(), 'deployed-broker-'));
    onCleanup(() => rm(root, { recursive: true, force: true }));
    await Promise.all(['config', 'auth', 'certs', 'data', 'accounts'].map((dir) => mkdir(join(root, dir))));
    await copyFile(join(deployed, 'access.rules'), join(root, 'config', 'access.rules'));
    const tls = await makeTestCa(join(root, 'certs'));
    await Promise.all([copyFile(tls.certFile, join(root, 'certs', 'tls.crt')), copyFile(tls.keyFile, join(root, 'certs', 'tls.key'))]);
    const ca = await readFile(tls.caFile);

    const connector = { username: 'fleetstream-mqtt-source', password: uniqueName('pw') };
    const serviceAccountsFile = join(root, 'accounts', 'service-accounts');
    await writeAuthFile(serviceAccountsFile, [{ username: connector.username, passwordHash: brokerPasswordHash(connector.password) }]);
    const registry = await freshRegistry();
    const sync = await componentNamed('broker-auth-sync').start(
      // as the sidecar runs (config/broker-auth-sync.env): the rules file beside the auth file, from the ConfigMap's rules
      { databaseUrl: testSettings().databaseUrl, databaseSchema: registry.schema, authFile: join(root, 'auth', 'auth'), serviceAccountsFile, rulesFile: join(root, 'auth', 'access.rules'), serviceRulesFile: join(root, 'config', 'access.rules'), settle: '100ms' },
      componentLogger('broker-auth-sync'),
    );
    onCleanup(() => sync.stop());
    expect(sync.ready()).toBe(true);

    const [passwordPort, certificatePort] = [await freePort(), await freePort()];
    const plugin = await buildBrokerPlugin();
    const configuration = (await readFile(join(deployed, 'mosquitto.conf'), 'utf8'))
      .replaceAll('/usr/lib/fleetstream/fleetstream_auth.so', plugin)
      .replaceAll('/mosquitto/', `${root}/`)
      .replace(/^listener 8883$/m, `listener ${passwordPort} 127.0.0.1`)
      .replace(/^listener 8884$/m, `listener ${certificatePort} 127.0.0.1`);
    expect(configuration).not.toMatch(/\/mosquitto\/|^listener \d+$/m);
    const broker = await startMosquitto(root, `${configuration}\nuser ${userInfo().username}\nlog_dest file ${join(root, 'mosquitto.log')}\n`);
    onCleanup(() => broker.stop());
    const url = `mqtts://127.0.0.1:${passwordPort}`;

    const tenant = uniqueName('tenant');
    const { credentials } = await addDevice(registry, { tenant, site: 'plant-1', device: 'meter' });
    const device = await eventually(() => connectClient(url, { ...credentials, ca }).catch(() => undefined), 'the added device admitted', 10_000);
    const source = await connectClient(url, { ...connector, ca });
    const [granted] = await source.subscribeAsync('$share/fleetstream/fleet/+/+/+/up', { qos: 1 });
    expect(granted!.qos).toBe(1);
    const received: string[] = [];
    source.on('message', (topic) => received.push(topic));
    await device.publishAsync(`fleet/${tenant}/plant-1/meter/up`, '{"ts":1,"readings":{"t":1}}', { qos: 1 });
    await eventually(() => (received.length > 0 ? true : undefined), 'the reading at the connector');
    expect(received).toEqual([`fleet/${tenant}/plant-1/meter/up`]);

    await expect(connectClient(url, { ca })).rejects.toThrow(/not authorized|Bad User Name or Password/i);
    const certificate = await issueClientCertificate({ caFile: tls.caFile, caKeyFile: tls.caKeyFile, commonName: `${tenant}/plant-1/meter` });
    const byCertificate = await connectClient(`mqtts://127.0.0.1:${certificatePort}`, { ca, ...certificate });
    await byCertificate.publishAsync(`fleet/${tenant}/plant-1/meter/up`, '{"ts":2,"readings":{"t":2}}', { qos: 1 });
    await eventually(() => (received.length > 1 ? true : undefined), 'the certificate reading at the connector');

    // a PUBLISH whose header announces 256 MB (the most MQTT can): the broker hangs up before any of it is sent
    const socket = tlsConnect({ host: '127.0.0.1', port: passwordPort, ca, servername: 'localhost' });
    onCleanup(async () => {
      socket.destroy();
    });
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    const connack = new Promise<Buffer>((resolve) => socket.once('data', resolve));
    socket.write(connectPacket(uniqueName('big'), credentials.username, credentials.password));
    expect([...(await connack)]).toEqual([0x20, 2, 0, 0]);
    const topic = utf8(`fleet/${tenant}/plant-1/meter/up`);
    socket.write(Buffer.concat([Buffer.from([0x30]), remainingLength(256 * 2 ** 20 - 1), topic]));
    await within(closed, 5000, 'the broker waits for the payload');
    expect(socket.bytesWritten).toBeLessThan(1024);
    expect(received).toHaveLength(2);

    await broker.stop();
    expect((await stat(join(root, 'data', 'mosquitto.db'))).size).toBeGreaterThan(0);
  });
});
