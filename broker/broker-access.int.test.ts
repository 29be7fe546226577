/**
 * The stack's broker enforces who a device is (issue 15): a device publishes
 * and subscribes only in its own space, nobody anonymous, revocation and
 * rotation at once, TLS with the local CA, client certificates as credentials.
 */
import { randomBytes } from 'node:crypto';
import type { MqttClient } from 'mqtt';
import { eventually, uniqueName } from '../test/factories';
import { brokerAccessFixture, brokerSettings, caOf, connectClient, freshDevice } from './broker.fixture';
import { issueClientCertificate } from './client-certificate';

/** Collects the topics a client receives. */
function received(client: MqttClient): string[] {
  const topics: string[] = [];
  client.on('message', (topic) => topics.push(topic));
  return topics;
}

/** The reason code of a QoS 1 publish: 0 accepted, 135 not authorised. */
async function publishReason(client: MqttClient, topic: string): Promise<number> {
  try {
    const ack = (await client.publishAsync(topic, 'x', { qos: 1 })) as { reasonCode?: number } | undefined;
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

describe('devices on the broker', () => {
  it("lets device A publish to its uplink and nowhere in B's space; the connector's account sees only A's reading", async () => {
    const access = await brokerAccessFixture();
    const [a, b] = [await freshDevice(access), await freshDevice(access)];
    const { url, connectorUsername, connectorPassword } = brokerSettings();
    const connector = await connectClient(url, { username: connectorUsername, password: connectorPassword });
    const seen = received(connector);
    expect(await subscribeReason(connector, 'fleet/+/+/+/up')).toBe(1);
    const deviceA = await connectClient(url, a);

    expect(await publishReason(deviceA, `fleet/${b.username}/up`)).toBe(135);
    expect(await publishReason(deviceA, `fleet/${a.username}/up`)).toBe(0);
    await eventually(() => (seen.includes(`fleet/${a.username}/up`) ? true : undefined), "A's reading at the connector");
    expect(seen).not.toContain(`fleet/${b.username}/up`);
  });

  it("refuses A's subscriptions outside its downlinks, and A receives nothing of B's", async () => {
    const access = await brokerAccessFixture();
    const [a, b] = [await freshDevice(access), await freshDevice(access)];
    const { url } = brokerSettings();
    const deviceA = await connectClient(url, a);
    const seenByA = received(deviceA);
    expect(await subscribeReason(deviceA, 'fleet/#')).toBe(135);
    expect(await subscribeReason(deviceA, '$share/fleetstream/fleet/+/+/+/up')).toBe(135);
    expect(await subscribeReason(deviceA, `fleet/${a.username}/up`)).toBe(135);
    expect(await subscribeReason(deviceA, `fleet/${b.username}/cmd/#`)).toBe(135);
    expect(await subscribeReason(deviceA, `fleet/${a.username}/cmd/#`)).toBe(1);

    const deviceB = await connectClient(url, b);
    expect(await publishReason(deviceB, `fleet/${b.username}/up`)).toBe(0);
    expect(await publishReason(deviceB, `fleet/${b.username}/cmd/echo`)).toBe(0);
    // A's own downlink, published after B's: once it arrives, B's would have too
    const deviceA2 = await connectClient(url, a);
    expect(await publishReason(deviceA2, `fleet/${a.username}/cmd/echo`)).toBe(0);
    await eventually(() => (seenByA.includes(`fleet/${a.username}/cmd/echo`) ? true : undefined), "A's own downlink");
    expect(seenByA).toEqual([`fleet/${a.username}/cmd/echo`]);
  });

  it('refuses anonymous clients and wrong passwords', async () => {
    const access = await brokerAccessFixture();
    const a = await freshDevice(access);
    const { url } = brokerSettings();
    await expect(connectClient(url)).rejects.toThrow(/not authorized|Bad User Name or Password/i);
    await expect(connectClient(url, { username: a.username, password: 'wrong' })).rejects.toThrow(/not authorized|Bad User Name or Password/i);
  });

  it('disconnects a revoked device within 10 s and refuses it afterwards', async () => {
    const access = await brokerAccessFixture();
    const a = await freshDevice(access);
    const { url } = brokerSettings();
    const device = await connectClient(url, a);
    const closed = new Promise<number>((resolve) => device.once('close', () => resolve(Date.now())));
    const revokedAt = Date.now();
    await access.revokeDevice(a.username);
    expect((await closed) - revokedAt).toBeLessThan(10_000);
    await expect(connectClient(url, a)).rejects.toThrow(/not authorized|Bad User Name or Password/i);
  });

  it('takes a rotated password at once and refuses the old one', async () => {
    const access = await brokerAccessFixture();
    const a = await freshDevice(access);
    const { url } = brokerSettings();
    const password = randomBytes(18).toString('base64url');
    await access.rotateDevice(a.username, password);
    await expect(connectClient(url, { username: a.username, password })).resolves.toBeDefined();
    await expect(connectClient(url, a)).rejects.toThrow(/not authorized|Bad User Name or Password/i);
  });

  it('grants devices in bulk and reconciles with a full list', async () => {
    const access = await brokerAccessFixture();
    const tenant = uniqueName('bulk');
    const devices = Array.from({ length: 150 }, (_, i) => ({ username: `${tenant}/s/d${i}`, password: `pw-${i}-${randomBytes(6).toString('hex')}` }));
    await access.grantDevices(devices);
    const kept = devices.slice(0, 100);
    const added = { username: `${tenant}/s/new`, password: randomBytes(12).toString('hex') };
    const others = (await access.listDevices()).filter((u) => !u.startsWith(`${tenant}/`)).map((username) => ({ username, password: 'unused' }));
    // other files' devices stay: they are part of the full list
    expect(await access.reconcile([...others, ...kept, added])).toEqual({ granted: 1, revoked: 50 });
    const mine = (await access.listDevices()).filter((u) => u.startsWith(`${tenant}/`));
    expect(mine.sort()).toEqual([...kept, added].map((d) => d.username).sort());
    await expect(connectClient(brokerSettings().url, added)).resolves.toBeDefined();
    await access.reconcile(others);
  });
});

describe('TLS', () => {
  it('connects with the local CA and fails without it', async () => {
    const access = await brokerAccessFixture();
    const a = await freshDevice(access);
    const { tlsUrl, caFile } = brokerSettings();
    await expect(connectClient(tlsUrl, { ...a, ca: caOf(caFile), rejectUnauthorized: true })).resolves.toBeDefined();
    await expect(connectClient(tlsUrl, { ...a, rejectUnauthorized: true })).rejects.toThrow(/self[- ]signed|unable to verify|certificate/i);
  });

  it("takes a client certificate whose common name is the device's username as that device, with its rights", async () => {
    const access = await brokerAccessFixture();
    const [a, b] = [await freshDevice(access), await freshDevice(access)];
    const { certUrl, caFile, caKeyFile } = brokerSettings();
    const certificate = await issueClientCertificate({ caFile, caKeyFile, commonName: a.username });
    const device = await connectClient(certUrl, { ...certificate, ca: caOf(caFile), rejectUnauthorized: true });
    expect(await publishReason(device, `fleet/${a.username}/up`)).toBe(0);
    expect(await publishReason(device, `fleet/${b.username}/up`)).toBe(135);
    expect(await subscribeReason(device, 'fleet/#')).toBe(135);
  });
});
