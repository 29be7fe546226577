/**
 * Presence, the device shadow and configuration, between the firmware
 * (running on the host against the stack's broker, over TLS with its
 * registry credentials) and the platform's side of the contract topics.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { eventually, onCleanup, testSettings, uniqueName } from '../test/factories';
import { flashFor, HostNode, platform, provisionDevice, type ProvisionedDevice } from './host-node.fixture';

/** The retained message on a topic, as a subscriber arriving now gets it. */
async function retained(device: ProvisionedDevice, subtopic: string): Promise<string> {
  const client = await mqtt.connectAsync(testSettings().mqttUrl, { clientId: uniqueName('retained'), reconnectPeriod: 0 });
  onCleanup(() => client.endAsync());
  const got: string[] = [];
  client.on('message', (_topic, payload, packet) => packet.retain && got.push(payload.toString()));
  await client.subscribeAsync(`${device.base}/${subtopic}`, { qos: 1 });
  return eventually(() => got.at(-1), `the retained message on ${device.base}/${subtopic}`, 5000);
}

function configMessage(version: number, config: Record<string, unknown>) {
  const text = JSON.stringify(config);
  return { version, sha256: createHash('sha256').update(text).digest('hex'), config };
}

describe('firmware presence, shadow and configuration', () => {
  it('publishes a retained online after connecting, and the broker its retained offline will when the node dies', async () => {
    const device = await provisionDevice();
    const broker = await platform(device);
    const node = HostNode.start(await flashFor(device));
    await node.waitFor((e) => e.event === 'connected', 'the node connected');
    const [birth] = await broker.waitOn('status');
    expect(birth!.payload).toBe('online');
    expect(await retained(device, 'status')).toBe('online');

    await node.kill('SIGKILL');
    const statuses = await broker.waitOn('status', 2);
    expect(statuses.map((m) => m.payload)).toEqual(['online', 'offline']);
    expect(await retained(device, 'status')).toBe('offline');
  });

  it('applies a shadow delta published (retained) while it was offline once it is back, and reports it', async () => {
    const device = await provisionDevice();
    const broker = await platform(device);
    const node = HostNode.start(await flashFor(device, { interval_s: 30 }));
    await node.waitFor((e) => e.event === 'connected', 'the node connected');
    // on connecting it reports its state
    const [first] = await broker.waitOn('shadow/update');
    expect(JSON.parse(first!.payload)).toMatchObject({ state: { reported: { interval: 30, firmware: '0.1.0' } }, clientToken: expect.any(String) });

    await node.control({ network: 'down' });
    await node.waitFor((e) => e.event === 'disconnected', 'the node noticing the link is down');
    await broker.waitOn('status', 2);
    expect(broker.on('status').at(-1)!.payload).toBe('offline');
    await broker.publish('shadow/update/delta', { state: { interval: 4, colour: 'red' }, version: 12, timestamp: Date.now() }, { retain: true });

    const back = node.events.length;
    await node.control({ network: 'up' });
    await node.waitFor((e) => e.event === 'connected', 'the node back', 20_000, back);
    const applied = await node.waitFor((e) => e.event === 'shadow_applied' && e.source === 'delta', 'the delta applied', 10_000, back);
    expect(applied).toMatchObject({ version: 12, reported: { interval: 4 }, ignored: ['colour'] });
    const reports = await eventually(() => {
      const found = broker.on('shadow/update').map((m) => JSON.parse(m.payload)).filter((b) => b.state.reported.interval === 4 && Object.keys(b.state.reported).length === 1);
      return found.length > 0 ? found : undefined;
    }, 'the report of the applied delta');
    expect(reports[0]).toEqual({ state: { reported: { interval: 4 } }, clientToken: expect.any(String) });
    // in effect: the next samples are 4 s apart
    const sampled = node.events.length;
    const a = await node.waitFor((e) => e.event === 'sample', 'a sample', 10_000, sampled);
    const b = await node.waitFor((e) => e.event === 'sample' && e !== a, 'another sample', 10_000, sampled);
    expect(Number(b.ts) - Number(a.ts)).toBeGreaterThanOrEqual(3900);

    // the platform answers the node's shadow/get with the whole document: desired keys that differ are applied
    const getsBefore = broker.on('shadow/get').length;
    await node.control({ network: 'down' });
    await node.waitFor((e) => e.event === 'disconnected' && node.events.indexOf(e) > sampled, 'down again');
    await broker.publish('shadow/update/delta', '', { retain: true });
    await node.control({ network: 'up' });
    const [get] = (await broker.waitOn('shadow/get', getsBefore + 1)).slice(getsBefore);
    expect(JSON.parse(get!.payload)).toEqual({ clientToken: expect.any(String) });
    await broker.publish('shadow/get/accepted', { state: { desired: { interval: 6 }, reported: { interval: 4 } }, version: 14, timestamp: Date.now() });
    await node.waitFor((e) => e.event === 'shadow_applied' && e.source === 'document', 'the document applied');
    await eventually(() => broker.on('shadow/update').find((m) => JSON.parse(m.payload).state.reported.interval === 6), 'the report of interval 6');
  });

  it('applies a configuration atomically and acknowledges it with its version and hash; the same version again is acknowledged without applying, a bad one is rejected', async () => {
    const device = await provisionDevice();
    const broker = await platform(device);
    const flash = await flashFor(device, { interval_s: 30 });
    const first = configMessage(1, { interval_s: 3, sensors: [{ driver: 'simulated', prefix: 'tank_' }] });
    // retained before the node ever connected: it gets it on subscribing
    await broker.publish('config', first, { retain: true });
    const node = HostNode.start(flash);
    const [ack] = await broker.waitOn('config/ack');
    expect(JSON.parse(ack!.payload)).toEqual({ version: 1, sha256: first.sha256, status: 'applied', detail: '' });
    expect(JSON.parse(await readFile(join(flash, 'device-config.json'), 'utf8'))).toEqual(first);
    const sample = await node.waitFor((e) => e.event === 'sample' && 'tank_counter' in (e.readings as object), 'a sample from the configured sensors');
    expect(Object.keys(sample.readings as object).sort()).toEqual(['tank_counter', 'tank_temperature']);

    // restarted, it gets the retained configuration again: acknowledged, not applied again
    await node.kill('SIGKILL');
    const again = HostNode.start(flash);
    const acks = await broker.waitOn('config/ack', 2);
    expect(JSON.parse(acks[1]!.payload)).toEqual({ version: 1, sha256: first.sha256, status: 'applied', detail: 'already in effect' });
    await again.waitFor((e) => e.event === 'config', "the node's log of it");
    expect(again.named('config')).toEqual([expect.objectContaining({ version: 1, status: 'applied', detail: 'already in effect' })]);

    const bad = configMessage(2, { interval_s: 0 });
    await broker.publish('config', bad, { retain: true });
    const rejected = JSON.parse((await broker.waitOn('config/ack', 3))[2]!.payload);
    expect(rejected).toEqual({ version: 2, sha256: bad.sha256, status: 'rejected', detail: expect.stringContaining('interval_s must be whole seconds') });
    expect(JSON.parse(await readFile(join(flash, 'device-config.json'), 'utf8')).version).toBe(1);

    const unknown = configMessage(3, { interval_s: 5, led: 'on' });
    await broker.publish('config', unknown, { retain: true });
    const refused = JSON.parse((await broker.waitOn('config/ack', 4))[3]!.payload);
    expect(refused).toMatchObject({ version: 3, status: 'rejected', detail: expect.stringContaining('unknown keys led') });
  });
});
