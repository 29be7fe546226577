/**
 * Crash safety: `fleetstream webhooks` as a process, SIGKILLed twice while
 * readings stream in and deliveries are under way, restarted each time with
 * the same group. Every reading must reach the receiver, and every delivery
 * of one reading must carry the same webhook-id: nothing lost, nothing made
 * into a second message (a reading sent again is the same message, at least
 * once).
 */
import { spawnComponent, type ComponentProcess } from '../../test/cli-process';
import { componentEnvironment } from '../../test/component-environment';
import { eventually } from '../../test/factories';
import { produceReadings, Receiver, subscribe, webhookFixture } from './webhooks.fixture';

describe('the webhooks republisher killed with SIGKILL mid-stream', () => {
  it('loses no reading and never delivers one reading under two ids', async () => {
    // a lease ends 5 s after the request timeout: messages claimed by a killed process go out again then. Kafka's
    // offsets trail the outbox's by up to 5 s: a restart reads seconds of records again, which must add nothing
    // (without the outbox's offsets, readings came under two and three ids in this test)
    const fixture = await webhookFixture({ requestTimeout: '1s', offsetCommitInterval: '5s' });
    const receiver = await Receiver.start();
    const { id } = await subscribe(fixture, { url: receiver.url, eventTypes: ['measurement'], pathFilter: '/acme/crash/#', payload: 'thin' });
    const env = componentEnvironment('webhooks', fixture.options);
    const started = (p: ComponentProcess) => eventually(() => (p.output().includes('"event":"webhooks_started"') ? true : undefined), `the process started (output: ${p.output().slice(-2000)})`, 60_000);
    let processor = spawnComponent('webhooks', env);
    await started(processor);

    const sent: number[] = [];
    let killing = true;
    const producing = (async () => {
      // ten readings every 50 ms, until both kills are done and 500 readings at least
      for (let batch = 0; killing || batch < 50; batch++) {
        sent.push(...(await produceReadings(fixture, 'crash', 10, Date.UTC(2026, 11, 3) + batch * 10_000)));
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    const timeOf = (body: string) => (JSON.parse(body) as { data: { timestamp: string } }).data.timestamp;
    const receivedReadings = () => new Set(receiver.requests.map((r) => timeOf(r.body))).size;
    const atKill: { produced: number; received: number }[] = [];
    for (let kill = 0; kill < 2; kill++) {
      const before = atKill[kill - 1]?.received ?? 0;
      await eventually(() => (receivedReadings() > before + 20 ? true : undefined), 'deliveries since the (re)start', 60_000);
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 500));
      atKill.push({ produced: sent.length, received: receivedReadings() });
      expect(await processor.kill('SIGKILL')).toBe('SIGKILL');
      processor = spawnComponent('webhooks', env);
      await started(processor);
    }
    killing = false;
    await producing;
    const total = sent.length;
    await eventually(() => (receivedReadings() === total ? true : undefined), `all ${total} readings delivered (${receivedReadings()} so far)`, 90_000, 200);

    // the kills came mid-stream: some readings had been delivered, and more were produced after
    for (const { produced, received } of atKill) expect([received > 0, produced < total]).toEqual([true, true]);
    const idsOf = new Map<string, Set<string>>();
    for (const request of receiver.requests) {
      const time = timeOf(request.body);
      idsOf.set(time, (idsOf.get(time) ?? new Set()).add(String(request.headers['webhook-id'])));
    }
    expect([...idsOf.values()].filter((ids) => ids.size !== 1)).toEqual([]);
    expect(idsOf.size).toBe(total);
    const again = receiver.requests.length - total;
    console.log(`webhooks-crash: ${total} readings, at the kills ${JSON.stringify(atKill)}, ${again} delivered again under their own ids (subscription ${id})`);
    expect(await processor.kill('SIGTERM')).toBe(0);
  }, 240_000);
});
