/**
 * Crash safety: `fleetstream configuration` as a process, SIGKILLed at random
 * points of two rollouts to a site (the second assigned while the first is
 * under way) and restarted each time. Played devices answer every
 * publication they receive, half of them only once they come online during
 * the run. Every device must end APPLIED at the second version, and its
 * recorded state changes must form one chain (each change starts where the
 * one before ended) with no state reached twice for one assignment: a
 * change lost or applied twice breaks one or the other.
 */
import { deviceKey } from '../schemas/device-topics';
import { configurationTableNames } from '../schemas/tables';
import { spawnComponent, type ComponentProcess } from './cli-process';
import { componentEnvironment } from './component-environment';
import { configurationFixture, DevicePlayer, rest, typedDevices } from './configuration-fixture';
import { eventually, onCleanup } from './factories';

const KILLS = 3;
const tenant = 'acme';
const type = 'em24';
const site = 'crash';

describe('configuration processor killed with SIGKILL mid-rollout', () => {
  it('restarts from its stored state and offsets: every device APPLIED at the last version, no state change lost or made twice', async () => {
    const fixture = await configurationFixture({ redeliveryInitial: '500ms', redeliveryMax: '2s', scanInterval: '100ms' });
    const names = Array.from({ length: 40 }, (_, i) => `n${String(i).padStart(2, '0')}`);
    const fleet = await typedDevices(fixture.registry, tenant, site, type, names);
    const devices = await DevicePlayer.start(fixture);
    const online = new Set<string>();
    const late = fleet.filter((_, i) => i % 2 === 1);
    for (const device of fleet.filter((_, i) => i % 2 === 0)) {
      online.add(deviceKey(device));
      await devices.presence(device, 'online');
    }
    for (const device of late) await devices.presence(device, 'offline');

    // every publication an online device receives is answered, repeats included (the processor must ignore those)
    let answered = 0;
    let answering = Promise.resolve();
    const responder = setInterval(() => {
      answering = answering.then(async () => {
        const fresh = devices.downlinks.records.slice(answered);
        answered += fresh.length;
        const acks = fresh
          .filter((r) => r.value.subtopic === 'config' && online.has(r.key!))
          .map((r) => {
            const { version, sha256 } = JSON.parse(Buffer.from(r.value.payload).toString()) as { version: number; sha256: string };
            return { device: fleet.find((d) => deviceKey(d) === r.key)!, kind: 'config_ack' as const, payload: JSON.stringify({ version, sha256, status: 'applied', detail: '' }) };
          });
        if (acks.length > 0) await devices.say(acks);
      });
    }, 50);
    onCleanup(async () => {
      clearInterval(responder);
      await answering;
    });

    const env = componentEnvironment('configuration', fixture.options);
    let processor: ComponentProcess = spawnComponent('configuration', env);
    const document = async (interval: number) => (await rest(fixture, 'POST', `/v1/admin/configuration/${tenant}/documents`, { deviceType: type, config: { interval_s: interval } })).body as { version: number; sha256: string };
    const assign = async (version: number) => {
      const answer = await rest(fixture, 'POST', `/v1/admin/configuration/${tenant}/documents/${version}/assignments`, { site, deadline: new Date(Date.now() + 300_000).toISOString() });
      expect(answer).toMatchObject({ status: 201, body: { devices: fleet.length } });
    };
    expect((await rest(fixture, 'PUT', `/v1/admin/configuration/${tenant}/device-types/${type}`, { schema: { type: 'object' } })).status).toBe(201);
    const first = await document(10);
    const second = await document(20);
    await assign(first.version);

    const progress = async (version: number) => (await rest(fixture, 'GET', `/v1/admin/configuration/${tenant}/documents/${version}/progress`)).body as { states: Record<string, number> };
    const appliedAtKill: number[] = [];
    for (let kill = 0; kill < KILLS; kill++) {
      const current = processor;
      await eventually(() => (current.output().includes('"event":"partitions_assigned"') ? true : undefined), 'the processor to own partitions', 30_000);
      const delayMs = Math.round(100 + Math.random() * 1500);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      const applied = (await progress(kill === 0 ? first.version : second.version)).states.APPLIED ?? 0;
      appliedAtKill.push(applied);
      expect(await current.kill('SIGKILL')).toBe('SIGKILL');
      console.log(`configuration-crash: kill ${kill + 1} after ${delayMs} ms, ${applied} of ${fleet.length} applied`);
      if (kill === 0) await assign(second.version);
      // the offline half comes online while the processor is down or restarting
      for (const device of late.slice(kill * 7, kill * 7 + 7)) {
        online.add(deviceKey(device));
        await devices.presence(device, 'online');
      }
      processor = spawnComponent('configuration', env);
    }
    for (const device of late) {
      if (online.has(deviceKey(device))) continue;
      online.add(deviceKey(device));
      await devices.presence(device, 'online');
    }

    // mid-rollout for sure: at the first kill the offline half had not come online, so could not have answered
    expect(appliedAtKill[0]).toBeLessThanOrEqual(fleet.length / 2);
    const done = await eventually(async () => {
      const states = (await progress(second.version)).states;
      return states.APPLIED === fleet.length ? states : undefined;
    }, 'every device APPLIED at the second version', 90_000, 250);
    expect(done).toMatchObject({ APPLIED: fleet.length, PENDING: 0, DELIVERED: 0 });

    const changes = configurationTableNames(fixture.registry.schema).stateChanges;
    const { rows } = await fixture.registry.pool.query<{ site: string; device: string; assignment_id: string; version: string; from_state: string | null; to_state: string }>(
      `select site, device, assignment_id, version, from_state, to_state from ${changes} where tenant = $1 order by id`,
      [tenant],
    );
    const problems: string[] = [];
    for (const device of fleet) {
      const own = rows.filter((r) => r.site === device.site && r.device === device.device);
      let previous: string | null = null;
      const reached = new Set<string>();
      for (const change of own) {
        if (change.from_state !== previous) problems.push(`${device.device}: ${change.from_state}->${change.to_state} after ${previous}`);
        const key = `${change.assignment_id}:${change.to_state}`;
        if (reached.has(key)) problems.push(`${device.device}: ${change.to_state} of v${change.version} twice`);
        reached.add(key);
        previous = change.to_state;
      }
      const last = own.filter((c) => Number(c.version) === second.version).map((c) => c.to_state);
      if (last[0] !== 'PENDING' || last.at(-1) !== 'APPLIED') problems.push(`${device.device}: v${second.version} went ${last.join(',')}`);
    }
    expect(problems).toEqual([]);
    expect(await processor.kill('SIGTERM')).toBe(0);
  }, 180_000);
});
