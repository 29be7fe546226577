/**
 * The downlink while its MQTT broker is away: it is not ready, what comes
 * meanwhile waits, and once the broker is back every message goes out, in
 * order. The broker is this file's own Mosquitto (anonymous, persistent, so the
 * device's session and its queue survive the restart), never the stack's.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { userInfo } from 'node:os';
import { startMosquitto, type PluginBroker } from '../../broker/plugin-broker';
import { eventually, freePort, onCleanup } from '../../test/factories';
import { downlinkFixture, startDownlink, subscriber } from './downlink.fixture';

async function ownBroker(): Promise<{ url: string; start(): Promise<PluginBroker> }> {
  const dir = await mkdtemp(join(tmpdir(), 'fleetstream-downlink-broker-'));
  onCleanup(() => rm(dir, { recursive: true, force: true }));
  const port = await freePort();
  const configuration = [
    `user ${userInfo().username}`,
    `log_dest file ${join(dir, 'mosquitto.log')}`,
    ...['error', 'warning', 'notice', 'information'].map((type) => `log_type ${type}`),
    'allow_anonymous true',
    'persistence true',
    `persistence_location ${dir}/`,
    `listener ${port} 127.0.0.1`,
    '',
  ].join('\n');
  return {
    url: `mqtt://127.0.0.1:${port}`,
    async start() {
      const broker = await startMosquitto(dir, configuration);
      onCleanup(() => broker.stop());
      return broker;
    },
  };
}

describe('mqtt-downlink while the broker is down', () => {
  it('is not ready, keeps what comes meanwhile, and publishes all of it in order once the broker is back', async () => {
    const own = await ownBroker();
    let broker = await own.start();
    const fixture = await downlinkFixture({ mqttUrl: own.url, connections: 2 });
    const downlink = await startDownlink(fixture.options);
    const topic = `${fixture.base('meter7')}/shadow/update/delta`;
    // a device with a session the broker keeps (and persists) while it is down
    const device = await subscriber([topic], { url: own.url, clean: false, properties: { sessionExpiryInterval: 600 }, reconnectPeriod: 200 });
    await eventually(() => (downlink.ready() ? true : undefined), 'the downlink connected');

    await fixture.produce([fixture.message('meter7', { subtopic: 'shadow/update/delta', payload: Buffer.from('0') })]);
    await eventually(() => (device.received.length >= 1 ? true : undefined), 'the first delta');

    await broker.stop();
    await eventually(() => (downlink.ready() ? undefined : true), 'the downlink to report the broker gone', 20_000);
    await fixture.produce(Array.from({ length: 20 }, (_, i) => fixture.message('meter7', { subtopic: 'shadow/update/delta', payload: Buffer.from(String(i + 1)) })));
    await eventually(async () => (/ [1-9]\d*$/m.test(await downlink.metrics.getSingleMetricAsString('mqtt_downlink_publications_waiting')) ? true : undefined), 'a publication waiting for the broker');
    expect(downlink.ready()).toBe(false);
    expect(device.received).toHaveLength(1);

    broker = await own.start();
    await eventually(() => (device.received.length >= 21 ? true : undefined), 'every delta after the outage', 30_000);
    const seen = device.received.map((r) => Number(r.payload));
    // at least once: a message the broker took just before it stopped may come again, but never out of order
    expect([...new Set(seen)]).toEqual(Array.from({ length: 21 }, (_, i) => i));
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    await eventually(() => (downlink.ready() ? true : undefined), 'the downlink ready again');
  }, 90_000);
});
