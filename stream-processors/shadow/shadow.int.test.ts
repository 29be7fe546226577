/**
 * The shadow processor against the real Kafka and schema registry: devices'
 * requests (DeviceMessages) and the API's (ShadowRequests) in, the shadows,
 * the messages for devices (what the mqtt-downlink publishes) and the API's
 * answers out.
 */
import { deviceKey } from '../../schemas/device-topics';
import { capturingLogger } from '../../test/capturing-logger';
import { eventually } from '../../test/factories';
import { apiRequester, device, devicePublisher, downlinksOf, resultOf, shadowFixture, shadowReaders, startShadow, storedState } from './shadow.fixture';

const json = (text: string) => JSON.parse(text) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- documents are checked field by field

describe('the shadow processor', () => {
  let options: Awaited<ReturnType<typeof shadowFixture>>;
  let readers: Awaited<ReturnType<typeof shadowReaders>>;
  let devices: Awaited<ReturnType<typeof devicePublisher>>;
  let api: Awaited<ReturnType<typeof apiRequester>>;

  beforeAll(async () => {
    options = await shadowFixture();
    await startShadow(options);
    readers = await shadowReaders(options);
    devices = await devicePublisher(options);
    api = await apiRequester(options);
  });

  it("answers a device's update on update/accepted, stores the new shadow, and publishes its delta retained", async () => {
    const meter = device('meter1');
    await devices.status(meter); // another kind of device message: skipped
    await devices.publish(meter, 'update', { state: { reported: { interval: 60 }, desired: { interval: 30 } }, clientToken: 'boot-1' });
    // generous: on a new cluster the first transaction waits for the transaction coordinator
    const accepted = await eventually(() => downlinksOf(readers, meter, 'shadow/update/accepted')[0], 'update/accepted', 60_000);
    expect(accepted).toMatchObject({ retain: false, qos: 1, payload: { version: 1, clientToken: 'boot-1', state: { reported: { interval: 60 }, desired: { interval: 30 } } } });
    const delta = await eventually(() => downlinksOf(readers, meter, 'shadow/update/delta')[0], 'the delta');
    expect(delta).toMatchObject({ retain: true, qos: 1, payload: { state: { interval: 30 }, version: 1 } });
    const stored = await eventually(() => storedState(readers, meter), 'the stored shadow');
    expect({ ...stored, document: json(stored.document) }).toMatchObject({
      version: 1,
      deleted: false,
      document: { version: 1, state: { desired: { interval: 30 }, reported: { interval: 60 }, delta: { interval: 30 } }, metadata: { reported: { interval: { timestamp: expect.any(Number) } } } },
    });
    expect(readers.downlink.records.every((r) => r.key === deviceKey(meter) || r.value.device !== 'meter1')).toBe(true);
  });

  it('gives a device that was offline through three desired changes one retained delta at the latest version, cleared once reported catches up', async () => {
    const lamp = device('lamp1');
    const ids = [];
    for (const level of [10, 20, 30]) ids.push(await api(lamp, 'update', { state: { desired: { level, mode: 'auto' } } }));
    const results = await Promise.all(ids.map((id) => resultOf(readers, id)));
    expect(results.map((r) => [r.accepted, Number(r.version)])).toEqual([[true, 1], [true, 2], [true, 3]]);
    // what the broker keeps retained is the last delta published: the device sees that one alone when it subscribes
    const deltas = await eventually(() => { const d = downlinksOf(readers, lamp, 'shadow/update/delta'); return d.length >= 3 ? d : undefined; }, 'three deltas');
    expect(deltas.every((d) => d.retain)).toBe(true);
    expect(deltas.at(-1)!.payload).toMatchObject({ state: { level: 30, mode: 'auto' }, version: 3 });
    // no answers to the device for the API's requests
    expect(downlinksOf(readers, lamp).filter((d) => d.subtopic !== 'shadow/update/delta')).toEqual([]);

    await devices.publish(lamp, 'update', { state: { reported: { level: 30, mode: 'auto' } } });
    const cleared = await eventually(() => { const d = downlinksOf(readers, lamp, 'shadow/update/delta'); return d.length >= 4 ? d.at(-1) : undefined; }, 'the delta cleared');
    expect(cleared).toEqual({ device: 'lamp1', subtopic: 'shadow/update/delta', retain: true, qos: 1, payload: '' });
    expect(downlinksOf(readers, lamp, 'shadow/update/accepted')).toHaveLength(1);
  });

  it('refuses an MQTT update with a stale version on update/rejected with 409, changing nothing', async () => {
    const valve = device('valve1');
    await devices.publish(valve, 'update', { state: { reported: { open: false } } });
    await devices.publish(valve, 'update', { state: { reported: { open: true } }, version: 1 });
    await devices.publish(valve, 'update', { state: { reported: { open: false } }, version: 1, clientToken: 'stale' });
    const rejected = await eventually(() => downlinksOf(readers, valve, 'shadow/update/rejected')[0], 'update/rejected');
    expect(rejected).toMatchObject({ retain: false, payload: { code: 409, error: 'VersionConflict', version: 2, clientToken: 'stale' } });
    expect(downlinksOf(readers, valve, 'shadow/update/accepted').map((d) => (d.payload as { version: number }).version)).toEqual([1, 2]);
    await devices.publish(valve, 'get', '');
    const got = await eventually(() => downlinksOf(readers, valve, 'shadow/get/accepted')[0], 'get/accepted');
    expect(got.payload).toMatchObject({ version: 2, state: { reported: { open: true } } });
  });

  it("answers the API's refused requests with their code and the current document, and dead-letters a device's malformed one", async () => {
    const pump = device('pump1');
    const created = await resultOf(readers, await api(pump, 'update', { state: { desired: { speed: 1 } } }));
    expect(created).toMatchObject({ accepted: true, code: 200 });
    const stale = await resultOf(readers, await api(pump, 'update', { state: { desired: { speed: 2 } }, version: 0 }));
    expect(stale).toMatchObject({ accepted: false, code: 409, error: 'VersionConflict' });
    expect(json(stale.document!)).toMatchObject({ version: 1, state: { desired: { speed: 1 } } });
    const missing = await resultOf(readers, await api(device('nobody'), 'get', {}));
    expect(missing).toMatchObject({ accepted: false, code: 404, error: 'NotFound', document: null });

    await devices.publish(pump, 'update', '{"state": {"reported": ');
    const dead = await eventually(() => readers.deadLetters.records[0]?.value, 'a dead letter');
    expect(dead).toMatchObject({ source: 'shadow', reason: 'malformed_json' });
    expect(await eventually(() => downlinksOf(readers, pump, 'shadow/update/rejected')[0], 'update/rejected')).toMatchObject({ payload: { code: 400, error: 'InvalidJson' } });
  });

  it('deletes a shadow, keeping its version: the next update goes on from it', async () => {
    const fan = device('fan1');
    await devices.publish(fan, 'update', { state: { reported: { on: true }, desired: { on: false } } });
    await devices.publish(fan, 'delete', '');
    const deleted = await eventually(() => downlinksOf(readers, fan, 'shadow/delete/accepted')[0], 'delete/accepted');
    expect(deleted.payload).toMatchObject({ version: 2 });
    await eventually(() => (storedState(readers, fan)?.deleted ? true : undefined), 'a deleted marker stored');
    await devices.publish(fan, 'update', { state: { reported: { on: true } } });
    const again = await eventually(() => downlinksOf(readers, fan, 'shadow/update/accepted')[1], 'the second update/accepted');
    expect(again.payload).toMatchObject({ version: 3 });
    expect(downlinksOf(readers, fan, 'shadow/update/delta').map((d) => d.payload)).toEqual([expect.objectContaining({ state: { on: false }, version: 1 }), '']);
  });
});

describe('two shadow processors in one group', () => {
  it('share the devices, one writer each, through a member joining and one leaving: every device versions 1..n, each once', async () => {
    const options = await shadowFixture({}, 4);
    const readers = await shadowReaders(options);
    const devices = await devicePublisher(options);
    const fleet = Array.from({ length: 8 }, (_, i) => device(`pair-${i}`));
    let rounds = 0;
    const send = async (count: number) => {
      for (let i = 0; i < count; i++) {
        const seq = rounds++;
        await devices.publishMany(fleet.map((d) => ({ device: d, operation: 'update' as const, body: { state: { reported: { seq } } } })));
      }
    };
    const accepted = (d: ReturnType<typeof device>) => downlinksOf(readers, d, 'shadow/update/accepted').map((a) => (a.payload as { version: number }).version);
    const logs = { first: capturingLogger('shadow-first'), second: capturingLogger('shadow-second') };
    const assignments = (name: keyof typeof logs) => logs[name].events().filter((e) => e.event === 'partitions_assigned').map((e) => e.partitions as number[]);
    const first = await startShadow({ ...options, instanceId: 'first' }, { logger: logs.first.logger });
    await send(5);
    await eventually(() => (fleet.every((d) => accepted(d).length >= 5) ? true : undefined), 'the first rounds answered', 60_000);
    const second = await startShadow({ ...options, instanceId: 'second' }, { logger: logs.second.logger });
    // both hold partitions: the first gave some up for the second
    await eventually(() => ((assignments('second').at(-1)?.length ?? 0) > 0 && assignments('first').at(-1)?.length === 2 ? true : undefined), 'the partitions shared', 60_000);
    await send(10);
    await first.stop();
    await send(5);
    await eventually(() => (fleet.every((d) => accepted(d).length >= rounds) ? true : undefined), `${rounds} rounds answered`, 60_000);
    for (const d of fleet) expect({ device: d.device, versions: accepted(d) }).toEqual({ device: d.device, versions: Array.from({ length: rounds }, (_, i) => i + 1) });
    await second.stop();
  });
});
