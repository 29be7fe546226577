/**
 * Crash safety: `fleetstream alerts` as a process, SIGKILLed while every
 * series is part-way through a hold time, and restarted with the same
 * instance id while readings keep coming. The hold time must not start over
 * and no transition may be repeated or lost: every series goes pending at its
 * first reading and fires exactly when the condition has held for the hold
 * time in event time, once each, with one alarm id.
 */
import { spawnComponent, type ComponentProcess } from '../../test/cli-process';
import { componentEnvironment } from '../../test/component-environment';
import { eventually } from '../../test/factories';
import { alertReader, alertsFixture, everyReadingCommitted, readingProducer, transitionsOf } from './alerts.fixture';

const SERIES = 12;
/** A reading per series every 10 s of event time, a round every 100 ms of wall time: the 10-minute hold spans 60 rounds. */
const ROUNDS = 80;
const STEP_MS = 10_000;

const rules = `
tenant: acme
rules:
  - id: hot
    series: ['/acme/crash/*/temperature']
    severities: [{ severity: warning, when: '> 80', for: 10m }]
`;

describe('the alerts processor killed with SIGKILL mid-hold', () => {
  it('restarts from its state changelog and committed offsets: the hold time goes on, no transition repeated or lost', async () => {
    const options = await alertsFixture(rules);
    const env = { ...componentEnvironment('alerts', options), ALERTS_INSTANCE_ID: 'crashing' };
    const events = await alertReader(options);
    const send = await readingProducer(options);
    const t0 = Date.UTC(2026, 11, 1, 8, 0, 0);
    const paths = Array.from({ length: SERIES }, (_, i) => `/acme/crash/boiler${i}/temperature`);
    const count = (transition: string) => events.records.filter((r) => r.value.transition === transition).length;

    let processor: ComponentProcess = spawnComponent('alerts', env);
    await eventually(() => (processor.output().includes('"event":"partitions_assigned"') ? true : undefined), 'the processor to hold partitions', 60_000);
    const producing = (async () => {
      for (let round = 0; round < ROUNDS; round++) {
        await send(paths.map((path) => ({ path, time: t0 + round * STEP_MS, value: 90 })));
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();

    await eventually(() => (count('pending') > 0 ? true : undefined), 'the first pending alert', 60_000);
    // a random point inside the hold: mid-batch, mid-transaction
    await new Promise((resolve) => setTimeout(resolve, Math.round(200 + Math.random() * 1000)));
    const atKill = { pending: count('pending'), firing: count('firing') };
    expect(await processor.kill('SIGKILL')).toBe('SIGKILL');
    processor = spawnComponent('alerts', env);
    await producing;

    await eventually(() => (count('firing') >= SERIES ? true : undefined), `${SERIES} firing alerts (have ${count('firing')})`, 90_000);
    // caught up with every reading: anything repeated would be in the topic by now
    await everyReadingCommitted(options, 60_000);

    // the kill really was mid-hold: the hold had started, and had not ended
    expect(atKill.pending).toBeGreaterThan(0);
    expect(atKill.firing).toBe(0);
    for (const path of paths) {
      expect({ path, transitions: transitionsOf(events, path, t0) }).toEqual({ path, transitions: ['pending:warning@0', 'firing:warning@600'] });
      expect(new Set(events.records.filter((r) => r.value.path === path).map((r) => r.value.alarmId)).size).toBe(1);
    }
    console.log(`alerts-crash: killed with ${atKill.pending} of ${SERIES} series pending, none firing`);
    expect(await processor.kill('SIGTERM')).toBe(0);
  }, 240_000);
});
