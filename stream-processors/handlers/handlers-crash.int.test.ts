/**
 * Crash safety: `fleetstream handlers` as a process, SIGKILLed twice while
 * webhook requests stream in and deliveries are under way, restarted each
 * time with the same group. Every execution must reach the receiver and end
 * SUCCEEDED, and every delivery must carry its execution's id as webhook-id:
 * nothing lost, nothing delivered under a second id.
 */
import { spawnComponent, type ComponentProcess } from '../../test/cli-process';
import { componentEnvironment } from '../../test/component-environment';
import { eventually } from '../../test/factories';
import { Receiver } from '../../test/http-receiver';
import { handlerTableNames } from '../../schemas/tables';
import { newWebhookSecret } from '../../schemas/webhooks';
import { handlerRequest, handlersFixture, requestProducer } from './handlers.fixture';

describe('the handler workers killed with SIGKILL mid-stream', () => {
  it('lose no execution and never deliver one under another id', async () => {
    // a lease ends 5 s after the attempt timeout: executions claimed by a killed process run again then
    const fixture = await handlersFixture({ attemptTimeout: '1s', offsetCommitInterval: '5s' });
    const receiver = await Receiver.start();
    const secret = newWebhookSecret();
    const env = componentEnvironment('handlers', fixture.options);
    const started = (p: ComponentProcess) => eventually(() => (p.output().includes('"event":"handlers_started"') ? true : undefined), `the process started (output: ${p.output().slice(-2000)})`, 60_000);
    let worker = spawnComponent('handlers', env);
    await started(worker);
    const produce = await requestProducer(fixture);

    const sent: string[] = [];
    let killing = true;
    const producing = (async () => {
      for (let batch = 0; killing || batch < 30; batch++) {
        const requests = Array.from({ length: 10 }, () => handlerRequest('webhook', { url: receiver.url, secret }));
        await produce(requests);
        sent.push(...requests.map((r) => r.executionId));
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    const executionOfBody = (body: string) => (JSON.parse(body) as { executionId: string }).executionId;
    const delivered = () => new Set(receiver.requests.map((r) => executionOfBody(r.body))).size;
    const atKill: { produced: number; received: number }[] = [];
    for (let kill = 0; kill < 2; kill++) {
      const before = atKill[kill - 1]?.received ?? 0;
      await eventually(() => (delivered() > before + 20 ? true : undefined), 'deliveries since the (re)start', 60_000);
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 500));
      atKill.push({ produced: sent.length, received: delivered() });
      expect(await worker.kill('SIGKILL')).toBe('SIGKILL');
      worker = spawnComponent('handlers', env);
      await started(worker);
    }
    killing = false;
    await producing;
    const total = sent.length;
    await eventually(() => (delivered() === total ? true : undefined), `all ${total} executions delivered (${delivered()} so far)`, 90_000, 200);

    for (const { produced, received } of atKill) expect([received > 0, produced < total]).toEqual([true, true]);
    // each delivery under its own execution's id, and only executions that were asked for
    expect(receiver.requests.filter((r) => r.headers['webhook-id'] !== executionOfBody(r.body))).toEqual([]);
    expect(new Set(receiver.requests.map((r) => executionOfBody(r.body)))).toEqual(new Set(sent));
    const { rows } = await fixture.registry.pool.query<{ state: string; count: string }>(`select state, count(*) from ${handlerTableNames(fixture.registry.schema).executions} group by state`);
    await eventually(async () => {
      const { rows: open } = await fixture.registry.pool.query<{ count: string }>(`select count(*) from ${handlerTableNames(fixture.registry.schema).executions} where state <> 'SUCCEEDED'`);
      return open[0]!.count === '0' ? true : undefined;
    }, `every execution SUCCEEDED (${JSON.stringify(rows)})`, 30_000);
    console.log(`handlers-crash: ${total} executions, at the kills ${JSON.stringify(atKill)}, ${receiver.requests.length - total} delivered again under their own ids`);
    expect(await worker.kill('SIGTERM')).toBe(0);
  }, 240_000);
});
