import { spawnComponent } from '../../test/cli-process';
import { componentEnvironment } from '../../test/component-environment';
import { eventually, uniqueName } from '../../test/factories';
import { downlinkFixture, subscriber } from './downlink.fixture';

describe('mqtt-downlink killed with SIGKILL mid-stream', () => {
  it("loses nothing: after a restart every message has reached the device at least once, each device's in order", async () => {
    const fixture = await downlinkFixture({ connections: 4 });
    // as start(options) in-process: MQTT_URL's account, not the stack's connector account (whose rights do not cover the fixture's topics)
    const env = { ...componentEnvironment('mqtt-downlink', fixture.options), MQTT_USERNAME: undefined, MQTT_PASSWORD: undefined };
    const devices = Array.from({ length: 20 }, (_, i) => `d${i}`);
    const perDevice = 150;
    const total = devices.length * perDevice;
    // the device side: one persistent session, so nothing published while it reads is lost on its way
    const device = await subscriber([`${fixture.base('+')}/cmd/req/#`], { clean: false, clientId: uniqueName('devices'), properties: { sessionExpiryInterval: 600 } });
    const seq = (topic: string) => Number(topic.split('/').pop());

    let downlink = spawnComponent('mqtt-downlink', env);
    await fixture.produce([fixture.message('warm-up', { subtopic: 'cmd/req/0/warm-up' })]);
    await eventually(() => (device.received.length >= 1 ? true : undefined), 'the downlink publishing', 60_000);

    // a stream of about 1,500 messages a second, interleaved over the devices
    const streamed = (async () => {
      for (let i = 0; i < total; i += 150) {
        const next = Array.from({ length: 150 }, (_, j) => i + j).map((n) => fixture.message(devices[n % devices.length]!, { subtopic: `cmd/req/${Math.floor(n / devices.length)}/${Math.floor(n / devices.length)}` }));
        await fixture.produce(next);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    await eventually(() => (device.received.length >= 1 + 600 ? true : undefined), '600 messages before the kill', 60_000);
    expect(await downlink.kill('SIGKILL')).toBe('SIGKILL');
    const seenAtKill = device.received.length;
    await streamed;

    downlink = spawnComponent('mqtt-downlink', env);
    const arrived = () => new Set(device.received.filter((r) => !r.topic.includes('warm-up')).map((r) => r.topic));
    await eventually(() => (arrived().size === total ? true : undefined), `all ${total} messages at the device`, 90_000, 250);
    expect(seenAtKill).toBeLessThan(1 + total);
    for (const d of devices) {
      const topics = device.received.filter((r) => r.topic.startsWith(`${fixture.base(d)}/`)).map((r) => seq(r.topic));
      // replayed from the last commit: repeats, but each message's first arrival in order
      const firsts = topics.filter((n, i) => topics.indexOf(n) === i);
      expect(firsts).toEqual(Array.from({ length: perDevice }, (_, n) => n));
    }
    expect(await downlink.kill('SIGTERM')).toBe(0);
  }, 180_000);
});
