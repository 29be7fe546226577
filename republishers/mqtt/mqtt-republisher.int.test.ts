/**
 * The MQTT republisher against real servers: Kafka, the schema registry and
 * PostgreSQL of the stack, and a Mosquitto of this file's own with the
 * project's plugin, whose accounts and rules broker-auth-sync writes from a
 * fresh registry (readers and devices are made there, as an operator makes
 * them). Each test has tenants of its own.
 */
import { addDevice, createRepublishReader, revokeRepublishReader } from '../../registry';
import type { RunningComponent } from '../../lib/component';
import { TopicReader } from '../../test/topic-reader';
import { eventually, freshGroupId, uniqueName } from '../../test/factories';
import type { DeadLetter } from '../../schemas/types';
import { connectClient } from '../../broker/broker.fixture';
import { alertEvent, connectWhenAdmitted, eventuallyRetained, finalRollup, republishFixture, retainedOn, startRepublisher, type RepublishFixture } from './mqtt-republisher.fixture';

const minute = 60_000;
const t0 = Date.UTC(2026, 11, 3, 10, 0);

let fixture: RepublishFixture;
let republisher: RunningComponent;

beforeAll(async () => {
  fixture = await republishFixture();
  republisher = await startRepublisher(fixture.options);
}, 60_000);

const freshTenant = () => uniqueName('t').replace(/-/g, '');
async function reader(tenant: string) {
  const { username, password } = await createRepublishReader(fixture.registry, { tenant, description: 'test HMI' });
  return { username, password };
}
const metric = async (name: string) => (await republisher.metrics.getSingleMetricAsString(name));

describe('mqtt-republisher', () => {
  it('retains a final rollup for a reader of its tenant, also for a later subscriber, and never a provisional one', async () => {
    const tenant = freshTenant();
    const hmi = await reader(tenant);
    const early = await connectWhenAdmitted(fixture.broker.url, hmi);
    const live: { topic: string; retain: boolean; payload: unknown }[] = [];
    early.on('message', (topic, payload, packet) => live.push({ topic, retain: packet.retain, payload: JSON.parse(payload.toString('utf8')) }));
    await early.subscribeAsync(`fleet-out/${tenant}/#`, { qos: 1 });

    const provisional = finalRollup(`/${tenant}/plant1/boiler/temp`, t0, 1, { final: false });
    const final = finalRollup(`/${tenant}/plant1/meter/kw`, t0, 3);
    await fixture.produceRollups([provisional, final]);
    const topic = `fleet-out/${tenant}/plant1/meter/kw/rollup/1m`;
    await eventually(() => live.find((m) => m.topic === topic), 'the live subscriber to get the final rollup');

    const payload = await eventuallyRetained<Record<string, unknown>>(fixture.broker.url, hmi, topic, () => true, 'the rollup retained for a later subscriber');
    expect(payload).toEqual({
      type: 'rollup', path: final.path, tenant, site: 'plant1', device: 'meter', metric: 'kw', kind: 'non_additive', resolution: '1m',
      windowStart: new Date(t0).toISOString(), windowEnd: new Date(t0 + minute).toISOString(), revision: 3,
      count: 6, sum: 63, mean: 10.5, min: 9, max: 11, first: 10, firstTime: new Date(t0).toISOString(), last: 10, lastTime: new Date(t0 + 50_000).toISOString(),
      delta: null, resets: 0, computedAt: new Date(t0 + 61_000).toISOString(),
    });
    // the provisional record came first in the partition: nothing of it live, nothing retained
    expect(live.map((m) => m.topic)).toEqual([topic]);
    const later = await connectWhenAdmitted(fixture.broker.url, hmi);
    expect((await retainedOn(later, [`fleet-out/${tenant}/plant1/boiler/temp/rollup/1m`])).size).toBe(0);
    expect(await metric('mqtt_republisher_skipped_total')).toMatch(/reason="provisional"[^}]*} [1-9]/);
    expect(await metric('mqtt_republisher_published_total')).toMatch(/kind="rollup",target="broker"[^}]*} [1-9]/);
  });

  it('replaces the retained rollup with a correction (a higher revision), and not with a stale revision or an older window', async () => {
    const tenant = freshTenant();
    const hmi = await reader(tenant);
    const path = `/${tenant}/plant1/meter/kwh`;
    const topic = `fleet-out/${tenant}/plant1/meter/kwh/rollup/1m`;
    await fixture.produceRollups([finalRollup(path, t0, 1)]);
    await eventuallyRetained<{ revision: number }>(fixture.broker.url, hmi, topic, (p) => p.revision === 1, 'revision 1 retained');

    await fixture.produceRollups([finalRollup(path, t0, 4)]);
    await eventuallyRetained<{ revision: number }>(fixture.broker.url, hmi, topic, (p) => p.revision === 4, 'the correction (revision 4) retained');

    // stale: revision 2 of the same window, then a final of an older window; a marker after them on another series
    const marker = `/${tenant}/plant1/marker/kwh`;
    await fixture.produceRollups([finalRollup(path, t0, 2), finalRollup(path, t0 - minute, 9), finalRollup(marker, t0, 1)]);
    await eventuallyRetained(fixture.broker.url, hmi, `fleet-out/${tenant}/plant1/marker/kwh/rollup/1m`, () => true, 'the marker after the stale records');
    const retained = await eventuallyRetained<{ revision: number; windowStart: string }>(fixture.broker.url, hmi, topic, () => true, 'the retained rollup');
    expect(retained).toMatchObject({ revision: 4, windowStart: new Date(t0).toISOString() });
    expect(await metric('mqtt_republisher_stale_total')).toMatch(/kind="rollup"[^}]*} [2-9]/);

    // the next window replaces it
    await fixture.produceRollups([finalRollup(path, t0 + minute, 1)]);
    await eventuallyRetained<{ windowStart: string }>(fixture.broker.url, hmi, topic, (p) => p.windowStart === new Date(t0 + minute).toISOString(), 'the next window retained');
  });

  it("reflects an alert firing, then resolved, on the rule's topic", async () => {
    const tenant = freshTenant();
    const hmi = await reader(tenant);
    const path = `/${tenant}/plant1/boiler/temp`;
    const topic = `fleet-out/${tenant}/plant1/boiler/temp/alert/boiler-hot`;
    await fixture.produceAlerts([alertEvent(path, 'boiler-hot', 'pending', 'pending', t0), alertEvent(path, 'boiler-hot', 'firing', 'firing', t0 + 1000)]);
    const firing = await eventuallyRetained<Record<string, unknown>>(fixture.broker.url, hmi, topic, (p) => p.state === 'firing', 'the firing state retained');
    expect(firing).toMatchObject({ type: 'alert', ruleId: 'boiler-hot', path, tenant, alarmId: 'alarm-1', state: 'firing', transition: 'firing', severity: 'critical', value: 93.5, labels: { team: 'ops' } });

    await fixture.produceAlerts([alertEvent(path, 'boiler-hot', 'normal', 'resolved', t0 + 5000, { from: 'firing', previousSeverity: 'critical' })]);
    const resolved = await eventuallyRetained<Record<string, unknown>>(fixture.broker.url, hmi, topic, (p) => p.state === 'normal', 'the resolved state retained');
    expect(resolved).toMatchObject({ state: 'normal', transition: 'resolved', severity: null, previousSeverity: 'critical', emittedAt: new Date(t0 + 5000).toISOString() });
  });

  it("keeps a reader to its tenant's subtree and read-only, and keeps devices from publishing under the prefix", async () => {
    const [a, b] = [freshTenant(), freshTenant()];
    const readerA = await reader(a);
    await reader(b);
    await fixture.produceRollups([finalRollup(`/${b}/plant1/meter/kw`, t0, 1), finalRollup(`/${a}/plant1/meter/kw`, t0, 1)]);
    const topicA = `fleet-out/${a}/plant1/meter/kw/rollup/1m`;
    await eventuallyRetained(fixture.broker.url, readerA, topicA, () => true, "tenant A's rollup retained");

    const client = await connectWhenAdmitted(fixture.broker.url, readerA);
    for (const filter of [`fleet-out/${b}/#`, `fleet-out/${b}/plant1/meter/kw/rollup/1m`, 'fleet-out/#', 'fleet-out/+/plant1/#', '#']) {
      // mqtt.js rejects a subscription the SUBACK refuses (0x87, not authorized)
      const refused = await client.subscribeAsync(filter, { qos: 1 }).then(() => false, (error: Error) => /not authorized/i.test(error.message));
      expect({ filter, refused }).toEqual({ filter, refused: true });
    }
    // a reader publishing: refused (PUBACK 0x87), and the retained message stays
    await expect(client.publishAsync(topicA, '{"forged":true}', { qos: 1, retain: true })).rejects.toMatchObject({ code: 0x87 });

    const device = await addDevice(fixture.registry, { tenant: a, site: 'plant1', device: 'meter' });
    const deviceClient = await connectWhenAdmitted(fixture.broker.url, device.credentials);
    await expect(deviceClient.publishAsync(topicA, '{"forged":true}', { qos: 1, retain: true })).rejects.toMatchObject({ code: 0x87 });
    await expect(deviceClient.publishAsync(`fleet-out/${a}/plant1/meter/kw/alert/x`, '{}', { qos: 1 })).rejects.toMatchObject({ code: 0x87 });

    const retained = await eventuallyRetained<Record<string, unknown>>(fixture.broker.url, readerA, topicA, () => true, 'the retained rollup');
    expect(retained).toMatchObject({ type: 'rollup', revision: 1 });
  });

  it('keeps the newer revision against a stale one read by a new instance: what was claimed is in PostgreSQL, not in the process', async () => {
    const tenant = freshTenant();
    const hmi = await reader(tenant);
    const path = `/${tenant}/plant1/meter/kw`;
    const topic = `fleet-out/${tenant}/plant1/meter/kw/rollup/1m`;
    await fixture.produceRollups([finalRollup(path, t0, 4)]);
    await eventuallyRetained<{ revision: number }>(fixture.broker.url, hmi, topic, (p) => p.revision === 4, 'revision 4 retained');

    // as after a restart with its offsets lost: another instance, on a topic holding only the stale revision and a marker after it
    const own = await fixture.rollupTopic();
    await own.produce([finalRollup(path, t0, 2), finalRollup(`/${tenant}/plant1/marker/kw`, t0, 1)]);
    const second = await startRepublisher({ ...fixture.options, groupId: freshGroupId(), clientId: uniqueName('second'), resolutions: '1m', rollupTopics: `1m=${own.topic}`, republishAlerts: false });
    await eventuallyRetained(fixture.broker.url, hmi, `fleet-out/${tenant}/plant1/marker/kw/rollup/1m`, () => true, "the second instance's marker");
    expect(await eventuallyRetained<{ revision: number }>(fixture.broker.url, hmi, topic, () => true, 'the retained rollup')).toMatchObject({ revision: 4 });
    expect(await second.metrics.getSingleMetricAsString('mqtt_republisher_stale_total')).toMatch(/kind="rollup"[^}]*} 1/);
    await second.stop();
  });

  it('disconnects a reader once it is revoked in the registry, and admits it no more', async () => {
    const tenant = freshTenant();
    const hmi = await reader(tenant);
    const client = await connectWhenAdmitted(fixture.broker.url, hmi);
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    await revokeRepublishReader(fixture.registry, hmi.username);
    await closed;
    await expect(connectClient(fixture.broker.url, hmi)).rejects.toThrow(/not authorized|bad user name or password/i);
  });

  it('dead-letters a record it cannot decode, with the reason, and publishes the next one', async () => {
    const tenant = freshTenant();
    const hmi = await reader(tenant);
    const deadLetters = await TopicReader.start<DeadLetter>(fixture.topics.deadLetter);
    await fixture.produceGarbage(`/${tenant}/plant1/meter/kw@${t0}`);
    await fixture.produceRollups([finalRollup(`/${tenant}/plant1/meter/kw`, t0, 1)]);
    await eventuallyRetained(fixture.broker.url, hmi, `fleet-out/${tenant}/plant1/meter/kw/rollup/1m`, () => true, 'the record after the bad one retained');
    const [letter] = await deadLetters.waitFor(1);
    expect(letter!.value).toMatchObject({ source: 'mqtt-republisher', reason: 'undecodable', sourceTopic: fixture.topics.rollups1m });
    expect(Buffer.from(letter!.value.payload).toString()).toBe('not avro at all');
  });
});
