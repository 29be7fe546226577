import { connectAsync, type MqttClient } from 'mqtt';
import { freshDevices, startTestBroker } from '../broker/broker.fixture';
import { eventually, onCleanup, testSettings, uniqueName } from '../test/factories';
import { runSimulation, type PublishedReading } from './index';

async function subscriber(filters: string[]): Promise<{ client: MqttClient; received: { topic: string; payload: Buffer }[] }> {
  const client = await connectAsync(testSettings().mqttUrl, { protocolVersion: 5, clientId: uniqueName('sim-test-sub'), clean: true });
  onCleanup(() => client.endAsync());
  const received: { topic: string; payload: Buffer }[] = [];
  client.on('message', (topic, payload) => received.push({ topic, payload }));
  await client.subscribeAsync(filters, { qos: 1 });
  return { client, received };
}

describe('fleetstream simulate', () => {
  test('publishes every planned message over MQTT with QoS 1, in the batch format, on the device topics', async () => {
    const tenantPrefix = uniqueName('sim').toLowerCase();
    const { received } = await subscriber([`fleet/${tenantPrefix}-01/#`, `fleet/${tenantPrefix}-02/#`]);
    const readings: PublishedReading[] = [];
    const stats = await runSimulation(
      {
        mqttUrl: testSettings().mqttUrl,
        devices: 20,
        tenants: 2,
        sitesPerTenant: 2,
        tenantPrefix,
        rate: 1500,
        messages: 200,
        connections: 4,
        duplicateFraction: 0.1,
        outOfOrderFraction: 0.1,
        malformedFraction: 0.1,
        seed: 7,
      },
      { onReading: (r) => readings.push(r) },
    );

    expect(stats).toMatchObject({ readings: 600, acked: stats.messages, failed: 0, complete: true, readingsPerMessage: 3 });
    expect(stats.messages).toBe(200 + stats.duplicates + stats.malformed);
    expect(stats.duplicates).toBeGreaterThan(5);
    expect(stats.malformed).toBeGreaterThan(5);
    expect(stats.outOfOrder).toBeGreaterThan(5);
    expect(readings).toHaveLength(600);

    await eventually(() => (received.length >= stats.messages ? true : undefined), `${stats.messages} messages at the subscriber (have ${received.length})`);
    expect(received).toHaveLength(stats.messages);

    const wellFormed = received.flatMap(({ topic, payload }) => {
      try {
        const body = JSON.parse(payload.toString('utf8'));
        return /^fleet\/[^/]+\/site-0[12]\/dev-\d{5}\/up$/.test(topic) && typeof body.ts === 'number' && Object.keys(body.readings ?? {}).length === 3 ? [{ topic, body }] : [];
      } catch {
        return [];
      }
    });
    // regular + duplicates (malformed ones may or may not parse, but never with three numeric readings and a numeric ts)
    expect(wellFormed.length).toBe(200 + stats.duplicates);
    for (const { topic, body } of wellFormed) {
      expect(Object.keys(body.readings).sort()).toEqual(['energy_kwh', 'pulses', 'temperature']);
      expect(body.kinds).toEqual({ temperature: 'non_additive', energy_kwh: 'energy', pulses: 'additive' });
      expect(body.units).toEqual({ temperature: 'degC', energy_kwh: 'kWh', pulses: 'count' });
      const [, tenant, site, device] = topic.split('/');
      const sent = readings.find((r) => r.path === `/${tenant}/${site}/${device}/temperature` && r.ts === body.ts);
      expect(sent?.value).toBe(body.readings.temperature);
    }
  });

  test('an unreachable broker fails with an error that says how to start one', async () => {
    await expect(runSimulation({ mqttUrl: 'mqtt://127.0.0.1:1', devices: 1, messages: 1 })).rejects.toMatchObject({ code: 'MQTT_UNAVAILABLE', message: expect.stringContaining('make up') });
  });

  test('a TLS broker whose CA it was not given fails with an error that names MQTT_CA_FILE', async () => {
    const broker = await startTestBroker();
    const [device] = await freshDevices(broker, 1);
    const url = broker.tlsUrl.replace('//', `//${encodeURIComponent(device!.username)}:${device!.password}@`);
    await expect(runSimulation({ mqttUrl: url, devices: 1, messages: 1 })).rejects.toMatchObject({ code: 'MQTT_UNAVAILABLE', message: expect.stringMatching(/certificate is not trusted .*set MQTT_CA_FILE/) });
  });
});
