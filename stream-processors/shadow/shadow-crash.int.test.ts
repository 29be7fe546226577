/**
 * Crash safety: `fleetstream shadow` as a process, SIGKILLed at random points
 * while devices stream updates at it, and restarted each time with the same
 * instance id. Every update must be applied exactly once: each device's
 * final version is the number of its updates, its last reported value is
 * its last update, and the committed answers carry versions 1..n, each once.
 */
import { spawnComponent, type ComponentProcess } from '../../test/cli-process';
import { componentEnvironment } from '../../test/component-environment';
import { eventually } from '../../test/factories';
import { device, devicePublisher, downlinksOf, shadowFixture, shadowReaders, storedState } from './shadow.fixture';

const DEVICES = 12;
const KILLS = 3;
/** Rounds of updates (one per device each) sent after the last restart, so that the last kill is mid-stream too. */
const ROUNDS_AFTER = 20;

describe('the shadow processor killed with SIGKILL mid-stream', () => {
  it('restarts from the shadows topic and its committed offsets: versions continue, no update lost or applied twice', async () => {
    const options = await shadowFixture();
    const env = { ...componentEnvironment('shadow', options), SHADOW_INSTANCE_ID: 'crashing' };
    const readers = await shadowReaders(options);
    const devices = await devicePublisher(options);
    const fleet = Array.from({ length: DEVICES }, (_, i) => device(`crash-${i}`));
    const accepted = () => readers.downlink.records.filter((r) => r.value.subtopic === 'shadow/update/accepted').length;

    let processor: ComponentProcess = spawnComponent('shadow', env);
    let killing = true;
    let rounds = 0;
    const producing = (async () => {
      for (let after = 0; killing || after < ROUNDS_AFTER; after += killing ? 0 : 1) {
        const seq = rounds++;
        await devices.publishMany(fleet.map((d) => ({ device: d, operation: 'update' as const, body: { state: { reported: { seq } }, clientToken: `${d.device}-${seq}` } })));
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();

    const seenAtKill: number[] = [];
    for (let kill = 0; kill < KILLS; kill++) {
      const current = processor;
      await eventually(() => (current.output().includes('"event":"partitions_assigned"') ? true : undefined), 'the processor to hold partitions', 60_000);
      // the first kill waits for the first answers, so that it is mid-stream however slow the machine; later kills may land mid-restore
      if (kill === 0) await eventually(() => (accepted() > 0 ? true : undefined), 'the first updates answered', 60_000);
      // a random point once it holds partitions: mid-batch, mid-transaction, mid-restore
      await new Promise((resolve) => setTimeout(resolve, Math.round(300 + Math.random() * 1500)));
      seenAtKill.push(accepted());
      expect(await current.kill('SIGKILL')).toBe('SIGKILL');
      processor = spawnComponent('shadow', env);
    }
    killing = false;
    await producing;

    const UPDATES = rounds;
    const total = DEVICES * UPDATES;
    await eventually(() => (accepted() >= total ? true : undefined), `${total} updates accepted (have ${accepted()})`, 90_000);
    // the kills really were mid-stream: some updates answered before the first, not all before the last
    expect(seenAtKill[0]).toBeGreaterThan(0);
    expect(seenAtKill[KILLS - 1]).toBeLessThan(total);

    for (const d of fleet) {
      const versions = downlinksOf(readers, d, 'shadow/update/accepted').map((a) => (a.payload as { version: number }).version);
      expect({ device: d.device, versions }).toEqual({ device: d.device, versions: Array.from({ length: UPDATES }, (_, i) => i + 1) });
      const tokens = downlinksOf(readers, d, 'shadow/update/accepted').map((a) => (a.payload as { clientToken: string }).clientToken);
      expect(tokens).toEqual(Array.from({ length: UPDATES }, (_, seq) => `${d.device}-${seq}`));
      const stored = await eventually(() => { const s = storedState(readers, d); return s && Number(s.version) === UPDATES ? s : undefined; }, `${d.device}'s stored shadow at version ${UPDATES}`);
      expect(JSON.parse(stored.document)).toMatchObject({ version: UPDATES, state: { reported: { seq: UPDATES - 1 } } });
    }
    expect(accepted()).toBe(total);
    console.log(`shadow-crash: ${KILLS} kills with ${seenAtKill.join(', ')} of ${total} updates answered`);
    expect(await processor.kill('SIGTERM')).toBe(0);
  }, 240_000);
});
