/**
 * The republisher while the platform's broker is away: it is not ready, the
 * batch waits for its PUBACK with its offset uncommitted, and once the broker
 * is back the message is published and the offset committed. The broker is
 * this file's own Mosquitto (anonymous, persistent), never the stack's.
 */
import { anonymousBroker } from '../../broker/broker.fixture';
import { mqttRepublishTableNames } from '../../schemas/tables';
import { eventually, onCleanup, testKafka, uniqueName } from '../../test/factories';
import { eventuallyRetained, finalRollup, republishFixture, startRepublisher } from './mqtt-republisher.fixture';

const t0 = Date.UTC(2026, 11, 3, 12, 0);

describe('mqtt-republisher while the broker is down', () => {
  it('is not ready, commits nothing past what the broker acknowledged, and publishes once the broker is back', async () => {
    const fixture = await republishFixture();
    const own = await anonymousBroker({ persistence: true });
    let broker = await own.start();
    const republisher = await startRepublisher({ ...fixture.options, mqttUrl: own.url, mqttCaFile: undefined, mqttUsername: undefined, mqttPassword: undefined, commitInterval: '100ms' });
    const admin = testKafka().admin();
    await admin.connect();
    onCleanup(() => admin.disconnect());
    const committed = async () => {
      const [topic] = await admin.fetchOffsets({ groupId: fixture.options.groupId!, topics: [fixture.topics.rollups1m] });
      return Number(topic!.partitions[0]!.offset);
    };

    const tenant = uniqueName('t').replace(/-/g, '');
    const path = `/${tenant}/plant1/meter/kw`;
    const topic = `fleet-out/${tenant}/plant1/meter/kw/rollup/1m`;
    await fixture.produceRollups([finalRollup(path, t0, 1)]);
    await eventuallyRetained<{ revision: number }>(own.url, undefined, topic, (p) => p.revision === 1, 'revision 1 retained');
    await eventually(async () => ((await committed()) === 1 ? true : undefined), 'the first offset committed');

    await broker.stop();
    await eventually(() => (republisher.ready() ? undefined : true), 'the republisher to report the broker gone');
    await fixture.produceRollups([finalRollup(path, t0, 2)]);
    // claimed (so the batch is under way), and waiting for the broker
    const state = mqttRepublishTableNames(fixture.registry.schema).state;
    await eventually(async () => ((await fixture.registry.pool.query(`select 1 from ${state} where topic = $1 and order_minor = 2`, [topic])).rowCount === 1 ? true : undefined), 'revision 2 claimed');
    expect(await committed()).toBe(1);

    broker = await own.start();
    await eventuallyRetained<{ revision: number }>(own.url, undefined, topic, (p) => p.revision === 2, 'revision 2 retained once the broker is back', 30_000);
    await eventually(async () => ((await committed()) === 2 ? true : undefined), 'the second offset committed');
    await eventually(() => (republisher.ready() ? true : undefined), 'ready again');
  });
});
