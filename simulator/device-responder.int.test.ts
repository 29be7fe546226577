/**
 * Simulated devices answering the platform over the stack's broker: the test
 * plays the platform with the stack's all-rights account (MQTT_URL).
 */
import { randomUUID } from 'node:crypto';
import mqtt from 'mqtt';
import { eventually, onCleanup, testSettings, uniqueName } from '../test/factories';
import { runSimulation } from './index';

describe('simulated devices that answer', () => {
  it('announce themselves, answer a command once per id, follow a shadow delta and a configuration, and leave offline', async () => {
    const tenant = uniqueName('simrsp').toLowerCase();
    const base = (device: string) => `fleet/${tenant}-01/site-01/${device}`;
    const platform = await mqtt.connectAsync(testSettings().mqttUrl, { protocolVersion: 5, clientId: uniqueName('platform') });
    onCleanup(() => platform.endAsync());
    const received: { topic: string; payload: string; retain: boolean }[] = [];
    platform.on('message', (topic, payload, packet) => received.push({ topic, payload: payload.toString(), retain: packet.retain }));
    await platform.subscribeAsync([`fleet/${tenant}-01/+/+/status`, `fleet/${tenant}-01/+/+/cmd/#`, `fleet/${tenant}-01/+/+/shadow/update`, `fleet/${tenant}-01/+/+/config/ack`], { qos: 1 });
    const seen = (topic: string) => received.filter((m) => m.topic === topic);

    const stop = new AbortController();
    const simulation = runSimulation(
      { mqttUrl: testSettings().mqttUrl, respond: true, devices: 2, connections: 2, tenants: 1, sitesPerTenant: 1, tenantPrefix: tenant, rate: 6, duration: '60s' },
      { signal: stop.signal },
    );
    onCleanup(async () => {
      stop.abort();
      await simulation.catch(() => undefined);
    });
    const devices = await eventually(() => {
      const online = received.filter((m) => m.topic.endsWith('/status') && m.payload === 'online').map((m) => m.topic.split('/')[3]!);
      return new Set(online).size === 2 ? [...new Set(online)].sort() : undefined;
    }, 'both devices online');
    const [first, second] = devices as [string, string];
    onCleanup(async () => {
      for (const device of devices) {
        for (const subtopic of ['status', 'shadow/update/delta', 'config']) await platform.publishAsync(`${base(device)}/${subtopic}`, '', { qos: 1, retain: true });
      }
    });

    const id = randomUUID();
    const request = JSON.stringify({ params: { seconds: 42 }, expiresAt: null });
    await platform.publishAsync(`${base(first)}/cmd/req/${id}/set_interval`, request, { qos: 1 });
    await eventually(() => (seen(`${base(first)}/cmd/res/${id}/succeeded`).length === 1 ? true : undefined), 'the answer');
    expect(seen(`${base(first)}/cmd/ack/${id}`)).toHaveLength(1);
    expect(JSON.parse(seen(`${base(first)}/cmd/res/${id}/succeeded`)[0]!.payload)).toEqual({ interval: 42 });
    // redelivered: acknowledged and answered again, executed once (counted at the end)
    await platform.publishAsync(`${base(first)}/cmd/req/${id}/set_interval`, request, { qos: 1 });
    await eventually(() => (seen(`${base(first)}/cmd/res/${id}/succeeded`).length === 2 ? true : undefined), 'the kept answer again');

    await platform.publishAsync(`${base(second)}/shadow/update/delta`, JSON.stringify({ state: { led: 'blue' }, version: 7, timestamp: Date.now() }), { qos: 1, retain: true });
    const report = await eventually(() => seen(`${base(second)}/shadow/update`)[0], 'the shadow report');
    expect(JSON.parse(report.payload).state).toEqual({ reported: { led: 'blue' } });

    await platform.publishAsync(`${base(second)}/config`, JSON.stringify({ version: 3, sha256: 'ab12', config: { interval_s: 5 } }), { qos: 1, retain: true });
    const ack = await eventually(() => seen(`${base(second)}/config/ack`)[0], 'the configuration acknowledgement');
    expect(JSON.parse(ack.payload)).toMatchObject({ version: 3, sha256: 'ab12', status: 'applied' });

    stop.abort();
    const stats = await simulation;
    expect(stats.responses?.executed).toBe(1);
    await eventually(() => (devices.every((d) => seen(`${base(d)}/status`).at(-1)?.payload === 'offline') ? true : undefined), 'both devices offline (their wills)');
  });
});
