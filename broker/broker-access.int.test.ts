/**
 * The project's broker plugin enforces who a device is (issue 15): a device
 * publishes and subscribes only in its own space, nobody anonymous, revocation
 * and rotation by rewriting the auth file, TLS with the local CA, client
 * certificates as credentials. Against a broker of this file's own
 * (broker.fixture.ts), so rewriting its auth file disturbs no other test.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { MqttClient } from 'mqtt';
import { eventually } from '../test/factories';
import { caOf, connectClient, freshDevices, newDevice, startTestBroker, type TestBroker } from './broker.fixture';
import { issueClientCertificate } from './client-certificate';

/** Collects the topics a client receives. */
function received(client: MqttClient): string[] {
  const topics: string[] = [];
  client.on('message', (topic) => topics.push(topic));
  return topics;
}

/** The reason code of a QoS 1 publish: 0 accepted, 135 not authorised. */
async function publishReason(client: MqttClient, topic: string, payload = 'x', retain = false): Promise<number> {
  try {
    const ack = (await client.publishAsync(topic, payload, { qos: 1, retain })) as { reasonCode?: number } | undefined;
    return ack?.reasonCode ?? 0;
  } catch (error) {
    return (error as { code?: number }).code ?? -1;
  }
}

/** The granted QoS of a subscription, or 135 when refused. */
async function subscribeReason(client: MqttClient, filter: string): Promise<number> {
  try {
    return (await client.subscribeAsync(filter, { qos: 1 }))[0]!.qos;
  } catch (error) {
    return (error as { packet?: { granted?: number[] } }).packet?.granted?.[0] ?? -1;
  }
}

/** When the client's connection closes (ms since the epoch). */
const closedAt = (client: MqttClient) => new Promise<number>((resolve) => client.once('close', () => resolve(Date.now())));

const refused = /not authorized|Bad User Name or Password/i;

let broker: TestBroker;
beforeAll(async () => {
  broker = await startTestBroker();
});

describe('devices on the broker', () => {
  it("lets device A publish to its uplink and nowhere in B's space; the connector sees only A's reading", async () => {
    const [a, b] = await freshDevices(broker, 2);
    const connector = await connectClient(broker.url, broker.connector);
    const seen = received(connector);
    expect(await subscribeReason(connector, 'fleet/+/+/+/up')).toBe(1);
    const deviceA = await connectClient(broker.url, a);

    expect(await publishReason(deviceA, `fleet/${b!.username}/up`)).toBe(135);
    expect(await publishReason(deviceA, `fleet/${a!.username}/up`)).toBe(0);
    await eventually(() => (seen.includes(`fleet/${a!.username}/up`) ? true : undefined), "A's reading at the connector");
    expect(seen).toEqual([`fleet/${a!.username}/up`]);
  });

  it("refuses A's subscriptions outside its downlinks, and A receives nothing of B's", async () => {
    const [a, b] = await freshDevices(broker, 2);
    const deviceA = await connectClient(broker.url, a);
    const seenByA = received(deviceA);
    expect(await subscribeReason(deviceA, 'fleet/#')).toBe(135);
    expect(await subscribeReason(deviceA, `fleet/${a!.username}/up`)).toBe(135);
    expect(await subscribeReason(deviceA, `fleet/${a!.username}/#`)).toBe(135);
    expect(await subscribeReason(deviceA, `fleet/${b!.username}/cmd/#`)).toBe(135);
    expect(await subscribeReason(deviceA, `fleet/+/site/+/cmd/#`)).toBe(135);
    expect(await subscribeReason(deviceA, `fleet/${a!.username}/cmd/#`)).toBe(1);

    const deviceB = await connectClient(broker.url, b);
    expect(await publishReason(deviceB, `fleet/${b!.username}/up`)).toBe(0);
    expect(await publishReason(deviceB, `fleet/${b!.username}/cmd/echo`)).toBe(0);
    // A's own downlink, published after B's: once it arrives, B's would have too
    const deviceA2 = await connectClient(broker.url, a);
    expect(await publishReason(deviceA2, `fleet/${a!.username}/cmd/echo`)).toBe(0);
    await eventually(() => (seenByA.includes(`fleet/${a!.username}/cmd/echo`) ? true : undefined), "A's own downlink");
    expect(seenByA).toEqual([`fleet/${a!.username}/cmd/echo`]);
  });

  it("refuses A's joining the connector's share group, and every reading of B reaches the connector", async () => {
    const [a, b] = await freshDevices(broker, 2);
    const group = '$share/fleetstream/fleet/+/+/+/up';
    const connector = await connectClient(broker.url, broker.connector);
    const seen = received(connector);
    expect(await subscribeReason(connector, group)).toBe(1);
    const deviceA = await connectClient(broker.url, a);
    expect(await subscribeReason(deviceA, group)).toBe(135);
    expect(await subscribeReason(deviceA, `$share/fleetstream/fleet/${a!.username}/cmd/#`)).toBe(135);

    const deviceB = await connectClient(broker.url, b);
    // a member that took its turn would get about half of them
    for (let i = 0; i < 20; i++) expect(await publishReason(deviceB, `fleet/${b!.username}/up`, String(i))).toBe(0);
    await eventually(() => (seen.length >= 20 ? true : undefined), "B's 20 readings at the connector");
    expect(seen).toHaveLength(20);
  });

  it('refuses anonymous clients, unknown users and wrong passwords', async () => {
    const [a] = await freshDevices(broker, 1);
    await expect(connectClient(broker.url)).rejects.toThrow(refused);
    await expect(connectClient(broker.url, { username: a!.username, password: 'wrong' })).rejects.toThrow(refused);
    await expect(connectClient(broker.url, newDevice())).rejects.toThrow(refused);
    // a service account's password is checked like a device's
    await expect(connectClient(broker.url, { username: broker.connector.username, password: a!.password })).rejects.toThrow(refused);
  });

  it('disconnects a device within 10 s of its removal from the auth file, and refuses it afterwards', async () => {
    const [a, b] = await freshDevices(broker, 2);
    const device = await connectClient(broker.url, a);
    const bystander = await connectClient(broker.url, b);
    const closed = closedAt(device);
    const removedAt = Date.now();
    await broker.revoke(a!.username);
    expect((await closed) - removedAt).toBeLessThan(10_000);
    await expect(connectClient(broker.url, a)).rejects.toThrow(refused);
    expect(bystander.connected).toBe(true);
  });

  it('takes a rotated password at once, refuses the old one and disconnects the session that used it', async () => {
    const [a] = await freshDevices(broker, 1);
    const oldSession = await connectClient(broker.url, a);
    const closed = closedAt(oldSession);
    const password = randomBytes(18).toString('base64url');
    await broker.rotate(a!.username, password);
    await closed;
    await expect(connectClient(broker.url, { username: a!.username, password })).resolves.toBeDefined();
    await expect(connectClient(broker.url, a)).rejects.toThrow(refused);
  });
});

describe('talking back (issue 16): the platform owns some subtopics of a device\'s space', () => {
  const commandId = () => randomUUID();

  it("refuses a device's publish on its own cmd/req, shadow answers and config, and on another device's cmd/ack; allows what it answers on", async () => {
    const [a, b] = await freshDevices(broker, 2);
    const device = await connectClient(broker.url, a);
    const base = `fleet/${a!.username}`;
    for (const topic of [`${base}/cmd/req/${commandId()}/reboot`, `${base}/shadow/update/accepted`, `${base}/shadow/get/rejected`, `${base}/shadow/update/delta`, `${base}/config`, `fleet/${b!.username}/cmd/ack/${commandId()}`]) {
      expect([topic, await publishReason(device, topic)]).toEqual([topic, 135]);
    }
    for (const topic of [`${base}/cmd/ack/${commandId()}`, `${base}/cmd/res/${commandId()}/succeeded`, `${base}/shadow/update`, `${base}/config/ack`, `${base}/status`]) {
      expect([topic, await publishReason(device, topic)]).toEqual([topic, 0]);
    }
    expect(device.connected).toBe(true);
  });

  it('lets a device subscribe to its own cmd/req/#, shadow/# and config, and delivers what the downlink publishes there, retained config included', async () => {
    const [a] = await freshDevices(broker, 1);
    const base = `fleet/${a!.username}`;
    const downlink = await connectClient(broker.url, broker.downlink);
    expect(await publishReason(downlink, `${base}/config`, '{"version":1}', true)).toBe(0);
    const device = await connectClient(broker.url, a);
    const seen = received(device);
    expect(await subscribeReason(device, `${base}/cmd/req/#`)).toBe(1);
    expect(await subscribeReason(device, `${base}/shadow/#`)).toBe(1);
    expect(await subscribeReason(device, `${base}/config`)).toBe(1);
    const request = `${base}/cmd/req/${commandId()}/reboot`;
    expect(await publishReason(downlink, request)).toBe(0);
    expect(await publishReason(downlink, `${base}/shadow/update/delta`)).toBe(0);
    await eventually(() => (seen.length >= 3 ? true : undefined), 'the config, the command and the delta at the device');
    expect([...seen].sort()).toEqual([request, `${base}/config`, `${base}/shadow/update/delta`].sort());
  });

  it("gives the downlink's account the platform's subtopics alone, and the connector the device's answers through its share group", async () => {
    const [a] = await freshDevices(broker, 1);
    const base = `fleet/${a!.username}`;
    const downlink = await connectClient(broker.url, broker.downlink);
    expect(await publishReason(downlink, `${base}/up`)).toBe(135);
    expect(await publishReason(downlink, `${base}/cmd/ack/${commandId()}`)).toBe(135);
    expect(await subscribeReason(downlink, `${base}/cmd/req/#`)).toBe(135);

    const connector = await connectClient(broker.url, broker.connector);
    const seen = received(connector);
    expect(await subscribeReason(connector, '$share/fleetstream/fleet/+/+/+/cmd/ack/+')).toBe(1);
    expect(await subscribeReason(connector, '$share/fleetstream/fleet/+/+/+/status')).toBe(1);
    expect(await subscribeReason(connector, '$share/fleetstream/fleet/+/+/+/config')).toBe(135);
    const device = await connectClient(broker.url, a);
    const ack = `${base}/cmd/ack/${commandId()}`;
    expect(await publishReason(device, ack)).toBe(0);
    expect(await publishReason(device, `${base}/status`, 'online')).toBe(0);
    await eventually(() => (seen.length >= 2 ? true : undefined), "the device's acknowledgement and status at the connector");
    expect(seen).toEqual([ack, `${base}/status`]);
  });
});

describe('TLS', () => {
  it('connects with the CA and fails without it', async () => {
    const [a] = await freshDevices(broker, 1);
    const ca = await caOf(broker.caFile);
    await expect(connectClient(broker.tlsUrl, { ...a, ca, rejectUnauthorized: true })).resolves.toBeDefined();
    await expect(connectClient(broker.tlsUrl, { ...a, rejectUnauthorized: true })).rejects.toThrow(/self[- ]signed|unable to verify|certificate/i);
  });

  it("takes a client certificate whose common name is the device's username as that device, with exactly its rights", async () => {
    const [a, b] = await freshDevices(broker, 2);
    const certificate = await issueClientCertificate({ caFile: broker.caFile, caKeyFile: broker.caKeyFile, commonName: a!.username });
    const device = await connectClient(broker.certUrl, { ...certificate, ca: await caOf(broker.caFile), rejectUnauthorized: true });
    expect(await publishReason(device, `fleet/${a!.username}/up`)).toBe(0);
    expect(await publishReason(device, `fleet/${b!.username}/up`)).toBe(135);
    expect(await subscribeReason(device, 'fleet/#')).toBe(135);
    expect(await subscribeReason(device, `fleet/${a!.username}/cmd/#`)).toBe(1);
    expect(device.connected).toBe(true);
  });

  it('gives a certificate whose device is not in the auth file no right, and disconnects it', async () => {
    const [a] = await freshDevices(broker, 1);
    const ca = await caOf(broker.caFile);
    const certificate = await issueClientCertificate({ caFile: broker.caFile, caKeyFile: broker.caKeyFile, commonName: a!.username });
    const connected = await connectClient(broker.certUrl, { ...certificate, ca, rejectUnauthorized: true });
    const kicked = closedAt(connected);
    const removedAt = Date.now();
    await broker.revoke(a!.username);
    expect((await kicked) - removedAt).toBeLessThan(10_000);

    // Mosquitto 2.0 asks no plugin at CONNECT on a certificate listener: the connection
    // opens, its first request is refused and the plugin disconnects it at the next tick
    const again = await connectClient(broker.certUrl, { ...certificate, ca, rejectUnauthorized: true });
    const closed = closedAt(again);
    expect(await subscribeReason(again, `fleet/${a!.username}/cmd/#`)).toBe(135);
    await closed;
  });
});
