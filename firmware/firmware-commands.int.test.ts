/**
 * Commands to the firmware (running on the host against the stack's broker,
 * over TLS with its registry credentials), published on `{base}/cmd/req/<id>/<name>`
 * as the platform publishes them: acknowledged and answered on the contract's
 * topics, and executed at most once per id, across a reboot too.
 */
import { randomUUID } from 'node:crypto';
import { flashFor, HostNode, platform, provisionDevice } from './host-node.fixture';

const request = (params: Record<string, unknown>, expiresAt: number | null = null) => ({ params, expiresAt });

describe('firmware commands', () => {
  it('acknowledges and answers a command, answers a redelivered one from what it kept without executing it again, and refuses what it cannot run', async () => {
    const device = await provisionDevice();
    const node = HostNode.start(await flashFor(device, { interval_s: 30 }));
    const broker = await platform(device);
    await node.waitFor((e) => e.event === 'connected', 'the node connected');

    const id = randomUUID();
    await broker.publish(`cmd/req/${id}/set_interval`, request({ seconds: 2 }));
    const [ack] = await broker.waitOn(`cmd/ack/${id}`);
    expect(JSON.parse(ack!.payload)).toEqual({});
    const [answer] = await broker.waitOn(`cmd/res/${id}/succeeded`);
    expect(JSON.parse(answer!.payload)).toEqual({ interval: 2 });
    // the new interval is in effect: samples 2 s apart
    const from = node.events.length;
    const first = await node.waitFor((e) => e.event === 'sample', 'a sample', 10_000, from);
    const second = await node.waitFor((e) => e.event === 'sample' && e !== first, 'the next sample', 10_000, from);
    expect(Number(second.ts) - Number(first.ts)).toBeGreaterThanOrEqual(1900);

    // the platform sends the same request again (a retry, or QoS 1 redelivery)
    await broker.publish(`cmd/req/${id}/set_interval`, request({ seconds: 2 }));
    const answers = await broker.waitOn(`cmd/res/${id}/succeeded`, 2);
    expect(JSON.parse(answers[1]!.payload)).toEqual({ interval: 2 });
    expect(broker.on(`cmd/ack/${id}`)).toHaveLength(2);
    await node.waitFor((e) => e.event === 'command' && e.id === id && e.outcome === 'repeated', 'the repeat seen as one');
    expect(node.named('command').filter((e) => e.id === id).map((e) => e.outcome)).toEqual(['executed', 'repeated']);

    const readNow = randomUUID();
    await broker.publish(`cmd/req/${readNow}/read_now`, request({}));
    const [reading] = await broker.waitOn(`cmd/res/${readNow}/succeeded`);
    const body = JSON.parse(reading!.payload) as { ts: number; readings: Record<string, number> };
    expect(Math.abs(body.ts - Date.now())).toBeLessThan(10_000);
    expect(Object.keys(body.readings).sort()).toEqual(['counter', 'temperature']);

    const unknown = randomUUID();
    await broker.publish(`cmd/req/${unknown}/self_destruct`, request({}));
    const [refusal] = await broker.waitOn(`cmd/res/${unknown}/failed`);
    expect(JSON.parse(refusal!.payload).error).toMatch(/unknown command "self_destruct".*read_now, reboot, set_interval/);

    const expired = randomUUID();
    await broker.publish(`cmd/req/${expired}/set_interval`, request({ seconds: 5 }, Date.now() - 1000));
    const [late] = await broker.waitOn(`cmd/res/${expired}/failed`);
    expect(JSON.parse(late!.payload)).toEqual({ error: 'expired' });
    expect(broker.on(`cmd/ack/${expired}`)).toHaveLength(0);

    const bad = randomUUID();
    await broker.publish(`cmd/req/${bad}/set_interval`, request({ seconds: 0 }));
    const [badAnswer] = await broker.waitOn(`cmd/res/${bad}/failed`);
    expect(JSON.parse(badAnswer!.payload).error).toMatch(/params.seconds must be whole seconds from 1 to 86400/);
  });

  it('reboots once for a reboot command, and answers it again from flash, without rebooting, when it comes again after the reboot', async () => {
    const device = await provisionDevice();
    const flash = await flashFor(device, { interval_s: 2 });
    const broker = await platform(device);
    const node = HostNode.start(flash);
    await node.waitFor((e) => e.event === 'connected', 'the node connected');

    const id = randomUUID();
    await broker.publish(`cmd/req/${id}/reboot`, request({}));
    // the stand-in's machine.reset() ends the process with 3
    expect(await node.exited).toBe(3);
    expect(JSON.parse((await broker.waitOn(`cmd/res/${id}/succeeded`))[0]!.payload)).toEqual({ rebooting: true });
    expect(broker.on(`cmd/ack/${id}`)).toHaveLength(1);
    await broker.waitOn('status', 2);
    expect(broker.on('status').map((m) => m.payload).slice(-1)).toEqual(['offline']);

    const rebooted = HostNode.start(flash);
    await rebooted.waitFor((e) => e.event === 'connected', 'the node connected after its reboot');
    await broker.publish(`cmd/req/${id}/reboot`, request({}));
    await rebooted.waitFor((e) => e.event === 'command' && e.id === id, 'the redelivered request');
    expect(rebooted.named('command').map((e) => e.outcome)).toEqual(['repeated']);
    expect((await broker.waitOn(`cmd/res/${id}/succeeded`, 2)).map((m) => JSON.parse(m.payload))).toEqual([{ rebooting: true }, { rebooting: true }]);
    // still running: it samples after answering, and did not exit
    const answeredAt = rebooted.events.length;
    await rebooted.waitFor((e) => e.event === 'sample', 'a sample after the answer', 10_000, answeredAt);
    expect(rebooted.named('rebooting')).toHaveLength(0);
  });
});
