/**
 * The bridge to an external MQTT broker: a plain Mosquitto of this file's own
 * on a free port, without persistence, so that its restart loses every
 * retained message, as a broker whose disk was wiped would. The platform's
 * broker is the fixture's (plugin, accounts from the registry).
 */
import { anonymousBroker } from '../../broker/broker.fixture';
import type { PluginBroker } from '../../broker/plugin-broker';
import { createRepublishReader } from '../../registry';
import { eventually, uniqueName } from '../../test/factories';
import { connectWhenAdmitted, eventuallyRetained, finalRollup, republishFixture, retainedOn, startRepublisher } from './mqtt-republisher.fixture';

const t0 = Date.UTC(2026, 11, 3, 11, 0);

describe('mqtt-republisher bridge', () => {
  it("delivers its tenants' messages under its prefix, and after the external broker restarts empty it gets the latest state again", async () => {
    const fixture = await republishFixture();
    // without persistence: its restart loses every retained message
    const external = await anonymousBroker({ persistence: false });
    let broker: PluginBroker = await external.start();
    const [a, b] = [uniqueName('ta').replace(/-/g, ''), uniqueName('tb').replace(/-/g, '')];
    const republisher = await startRepublisher({ ...fixture.options, bridgeUrl: external.url, bridgeTopicPrefix: 'site-7/fleet', bridgeTenants: a });
    await eventually(async () => (/target="bridge"[^}]*} 1/.test(await republisher.metrics.getSingleMetricAsString('mqtt_republisher_connected')) ? true : undefined), 'the bridge connected');

    const path = `/${a}/plant1/meter/kw`;
    const bridged = `site-7/fleet/${a}/plant1/meter/kw/rollup/1m`;
    await fixture.produceRollups([finalRollup(`/${b}/plant1/meter/kw`, t0, 1), finalRollup(path, t0, 1)]);
    await eventuallyRetained<{ revision: number }>(external.url, undefined, bridged, (p) => p.revision === 1, "tenant A's rollup on the external broker");
    // tenant B is not bridged (its record came first in the partition)
    const client = await connectWhenAdmitted(external.url, undefined);
    expect((await retainedOn(client, [`site-7/fleet/${b}/plant1/meter/kw/rollup/1m`, `fleet-out/${b}/plant1/meter/kw/rollup/1m`])).size).toBe(0);
    await client.endAsync(true);

    await broker.stop();
    await eventually(() => ((republisher.readiness?.() as { bridgeConnected?: boolean }).bridgeConnected === false ? true : undefined), 'the bridge to notice the outage');
    expect(republisher.ready()).toBe(true);
    // meanwhile a correction: the platform's broker gets it, the bridge's outage holds nothing back
    await fixture.produceRollups([finalRollup(path, t0, 5)]);
    const hmi = await createRepublishReader(fixture.registry, { tenant: a });
    await eventuallyRetained<{ revision: number }>(fixture.broker.url, hmi, `fleet-out/${a}/plant1/meter/kw/rollup/1m`, (p) => p.revision === 5, 'the correction on the platform broker');

    broker = await external.start();
    const restored = await eventuallyRetained<{ revision: number }>(external.url, undefined, bridged, () => true, 'the latest state on the restarted external broker', 30_000);
    expect(restored.revision).toBe(5);
    expect(await republisher.metrics.getSingleMetricAsString('mqtt_republisher_restored_total')).toMatch(/target="bridge"[^}]*} [1-9]/);
  });
});
