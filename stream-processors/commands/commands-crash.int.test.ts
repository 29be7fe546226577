/**
 * Crash safety: `fleetstream commands` as a process, SIGKILLed while commands
 * are under way and restarted with the same instance id. Every command must
 * complete, and the downlink must hold exactly one committed cmd/req per
 * command id (the played device reads it read_committed, as the
 * mqtt-downlink does): nothing lost, nothing sent twice by the processor.
 */
import { spawnComponent, type ComponentProcess } from '../../test/cli-process';
import { CommandRequester, commandTopics, DevicePlayer, StatusReader, type CommandTopics } from '../../test/commands-fixture';
import { componentEnvironment } from '../../test/component-environment';
import { eventually } from '../../test/factories';
import type { CommandRequest } from '../../schemas/types';

const final = ['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'EXPIRED', 'CANCELED'];
const device = (name: string) => ({ tenant: 'acme', site: 'crash', device: name });

let topics: CommandTopics;
let env: Record<string, string>;
let devices: DevicePlayer;
let requests: CommandRequester;
let statuses: StatusReader;

function startProcessor(): ComponentProcess {
  return spawnComponent('commands', env);
}

/** Waits until the process holds its partitions (state restored, consuming). */
async function holdingPartitions(processor: ComponentProcess): Promise<void> {
  await eventually(() => (processor.output().includes('"event":"partitions_assigned"') ? true : undefined), `the processor to hold its partitions (output: ${processor.output().slice(-2000)})`, 60_000, 50);
}

const finalOf = (id: string, timeoutMs = 60_000) =>
  eventually(() => {
    const status = statuses.latest.get(id);
    return status && final.includes(status.state) ? status : undefined;
  }, `a final status of ${id}`, timeoutMs);

beforeAll(async () => {
  topics = await commandTopics(3);
  env = { ...componentEnvironment('commands', { ...topics, timerInterval: '20ms' }), COMMANDS_INSTANCE_ID: 'crashing' };
  [devices, requests, statuses] = await Promise.all([DevicePlayer.start(topics), CommandRequester.start(topics), StatusReader.start(topics)]);
});

describe('the commands processor killed with SIGKILL', () => {
  it('completes a command sent before the kill and answered while it was down, and times out one whose deadline passed meanwhile, each sent once', async () => {
    const [held, silent] = [device('held'), device('silent')];
    // the devices say nothing by themselves: `held` answers while the processor is down
    devices.answerWith(() => undefined);
    let processor = startProcessor();
    await holdingPartitions(processor);
    await devices.presence(held, 'online');
    await devices.presence(silent, 'online');
    const answered = await requests.send(held, { timeoutMs: 60_000 });
    const timedOut = await requests.send(silent, { timeoutMs: 2000 });
    await eventually(() => (devices.requestsOf(answered.id).length === 1 && devices.requestsOf(timedOut.id).length === 1 ? true : undefined), 'both commands sent', 20_000).catch((error: Error) => {
      throw new Error(`${error.message}; statuses ${JSON.stringify([statuses.latest.get(answered.id)?.state, statuses.latest.get(timedOut.id)?.state, statuses.all.length, devices.received.length])}; processor output:\n${processor.output().slice(-3000)}`);
    });
    expect(await processor.kill('SIGKILL')).toBe('SIGKILL');
    expect(statuses.latest.get(answered.id)?.state).toBe('SENT');
    await devices.answer(held, answered.id, 'succeeded', 'after the crash');
    processor = startProcessor();
    await holdingPartitions(processor);
    expect(await finalOf(answered.id)).toMatchObject({ state: 'SUCCEEDED', answer: Buffer.from('after the crash') });
    expect(await finalOf(timedOut.id)).toMatchObject({ state: 'TIMED_OUT', reason: 'timeout' });
    expect([devices.requestsOf(answered.id).length, devices.requestsOf(timedOut.id).length]).toEqual([1, 1]);
    expect(await processor.kill('SIGTERM')).toBe(0);
  }, 120_000);

  it('loses no command and sends none twice when killed at random points of a stream of commands', async () => {
    const fleet = Array.from({ length: 6 }, (_, i) => device(`stream${i}`));
    // each answered within 300 ms, so that commands are under way at any moment
    devices.answerWith((c) => {
      setTimeout(() => void devices.answer(c.device, c.id, 'succeeded', 'ok'), Math.random() * 300);
      return { ack: true };
    });
    let processor = startProcessor();
    await holdingPartitions(processor);
    for (const d of fleet) await devices.presence(d, 'online');
    const sent: CommandRequest[] = [];
    let killing = true;
    const sending = (async () => {
      // until both kills are done, and 60 commands at least
      for (let i = 0; killing || i < 60; i++) {
        sent.push(await requests.send(fleet[i % fleet.length]!, { timeoutMs: 120_000, params: JSON.stringify({ i }) }));
        await new Promise((resolve) => setTimeout(resolve, 40));
      }
    })();
    const atKill: { finished: number; open: number }[] = [];
    for (let kill = 0; kill < 2; kill++) {
      const before = atKill[kill - 1]?.finished ?? 0;
      const finishedNow = () => sent.filter((r) => final.includes(statuses.latest.get(r.id)?.state ?? '')).length;
      await eventually(() => (finishedNow() > before ? true : undefined), 'commands finished since the (re)start', 60_000);
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 1000));
      const finished = finishedNow();
      atKill.push({ finished, open: sent.length - finished });
      expect(await processor.kill('SIGKILL')).toBe('SIGKILL');
      processor = startProcessor();
      await holdingPartitions(processor);
    }
    killing = false;
    await sending;
    for (const request of sent) expect(await finalOf(request.id)).toMatchObject({ id: request.id, state: 'SUCCEEDED' });
    // the kills came mid-stream: at each, some commands were finished and some not
    for (const { finished, open } of atKill) expect([finished > 0, open > 0]).toEqual([true, true]);
    console.log(`commands-crash: ${sent.length} commands, at the kills ${JSON.stringify(atKill)}`);
    const perId = new Map<string, number>();
    for (const r of devices.received) perId.set(r.id, (perId.get(r.id) ?? 0) + 1);
    expect([...perId.values()].filter((n) => n !== 1)).toEqual([]);
    expect(sent.every((r) => perId.get(r.id) === 1)).toBe(true);
    expect(await processor.kill('SIGTERM')).toBe(0);
  }, 240_000);
});
