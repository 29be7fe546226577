/**
 * The shadow's delta through the real broker: the shadow processor's retained
 * deltas, published by the mqtt-downlink, reach a device that was offline as
 * MQTT's retained message does, once, at the latest version.
 */
import type { ShadowResult } from '../schemas/types';
import { downlinkFixture, startDownlink, subscriber } from '../connectors/mqtt-downlink/downlink.fixture';
import { apiRequester, device, shadowFixture, shadowReaders, startShadow } from '../stream-processors/shadow/shadow.fixture';
import { eventually, uniqueName } from './factories';

describe('a device shadow over the broker', () => {
  it('gives a device that was offline through three desired changes exactly one retained delta, at the latest version, when it subscribes', async () => {
    const shadowOptions = await shadowFixture();
    const downlink = await downlinkFixture({ downlinkTopic: shadowOptions.downlinkTopic });
    await startShadow(shadowOptions);
    const publisher = await startDownlink(downlink.options);
    const { results } = await shadowReaders(shadowOptions);
    const request = await apiRequester(shadowOptions);
    const address = device(uniqueName('offline').toLowerCase());

    for (const seconds of [10, 20, 30]) {
      const id = await request(address, 'update', { state: { desired: { interval: seconds, led: seconds === 30 ? 'red' : 'off' } } });
      await eventually(() => results.records.find((r) => (r.value as ShadowResult).requestId === id && (r.value as ShadowResult).accepted), `change to ${seconds} s accepted`);
    }
    // every delta published before the device is back: what it gets then is the broker's retained message alone
    await eventually(async () => (/ 3$/m.test(await publisher.metrics.getSingleMetricAsString('mqtt_downlink_published_total')) ? true : undefined), 'three deltas published');

    const { received } = await subscriber([`${downlink.base(address.device)}/shadow/update/delta`]);
    const [delta] = await eventually(() => (received.length > 0 ? received : undefined), 'the retained delta');
    expect(received).toHaveLength(1);
    expect(delta!.retain).toBe(true);
    expect(JSON.parse(delta!.payload)).toMatchObject({ state: { interval: 30, led: 'red' }, version: 3 });
  });
});
