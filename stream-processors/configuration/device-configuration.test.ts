import { applyInput, delivered, deliveryRound, expire, isDue, nextDeliveryAfter, unconfigured, type DeviceConfiguration, type NewAssignment, type Step } from './device-configuration';

const policy = { initialMs: 1000, maxMs: 8000 };
const t0 = 1_700_000_000_000;
const assignment: NewAssignment = { assignmentId: 5, version: 3, sha256: 'aa'.repeat(32), deadline: t0 + 60_000 };
const ack = (status: 'applied' | 'rejected' | 'failed', over: Partial<{ version: number; sha256: string }> = {}) =>
  ({ kind: 'ack', ack: { version: assignment.version, sha256: assignment.sha256, status, detail: `said ${status}`, ...over } }) as const;

function assigned(online: boolean | null = null): DeviceConfiguration {
  return applyInput({ ...unconfigured, online }, { kind: 'assignment', assignment }, t0).device;
}

/** The states a sequence of steps went through. */
function states(steps: Step[]): (string | undefined)[] {
  return steps.map((s) => s.change?.to);
}

describe('an assignment', () => {
  it('makes the device PENDING with the version, hash and deadline, due for publication at once', () => {
    const step = applyInput(unconfigured, { kind: 'assignment', assignment }, t0);
    expect(step.device).toMatchObject({ ...assignment, state: 'PENDING', deliveries: 0, nextDeliveryAt: t0, assignedAt: t0 });
    expect(step.change).toEqual({ assignmentId: 5, version: 3, from: null, to: 'PENDING', detail: null, at: t0 });
  });

  it('replaces an older one whatever its state, and an older or repeated one changes nothing', () => {
    const applied = applyInput(assigned(), ack('applied'), t0 + 10).device;
    const newer = applyInput(applied, { kind: 'assignment', assignment: { ...assignment, assignmentId: 6, version: 4 } }, t0 + 20);
    expect(newer.change).toMatchObject({ from: 'APPLIED', to: 'PENDING', version: 4 });
    expect(newer.device).toMatchObject({ answeredAt: null, detail: null, deliveries: 0 });
    for (const id of [5, 6]) {
      const again = applyInput(newer.device, { kind: 'assignment', assignment: { ...assignment, assignmentId: id } }, t0 + 30);
      expect(again).toEqual({ device: newer.device, ignored: 'older_assignment' });
    }
  });
});

describe('acknowledgements', () => {
  it.each([['applied', 'APPLIED'], ['rejected', 'REJECTED'], ['failed', 'FAILED']] as const)('a matching %s moves the device to %s and ends re-delivery', (status, state) => {
    const step = applyInput(assigned(), ack(status), t0 + 10);
    expect(step.change).toEqual({ assignmentId: 5, version: 3, from: 'PENDING', to: state, detail: `said ${status}`, at: t0 + 10 });
    expect(step.device).toMatchObject({ state, nextDeliveryAt: null, answeredAt: t0 + 10, online: true, detail: `said ${status}` });
  });

  it('with a stale version or another hash changes nothing', () => {
    const device = assigned();
    expect(applyInput(device, ack('applied', { version: 2 }), t0 + 10)).toEqual({ device, ignored: 'stale_ack' });
    expect(applyInput(device, ack('applied', { sha256: 'bb'.repeat(32) }), t0 + 10)).toEqual({ device, ignored: 'stale_ack' });
    expect(applyInput(unconfigured, ack('applied'), t0)).toEqual({ device: unconfigured, ignored: 'no_configuration' });
  });

  it('repeated (QoS 1 duplicates) changes nothing; a different matching answer is recorded', () => {
    const applied = applyInput(assigned(), ack('applied'), t0 + 10).device;
    expect(applyInput(applied, ack('applied'), t0 + 20)).toMatchObject({ ignored: 'repeated_ack', device: { state: 'APPLIED', answeredAt: t0 + 10 } });
    expect(applyInput(applied, ack('failed'), t0 + 20).change).toMatchObject({ from: 'APPLIED', to: 'FAILED' });
  });

  it('after the deadline is still recorded', () => {
    const timedOut = expire(assigned(), assignment.deadline).device;
    expect(timedOut.state).toBe('TIMED_OUT');
    expect(applyInput(timedOut, ack('applied'), assignment.deadline + 5).change).toMatchObject({ from: 'TIMED_OUT', to: 'APPLIED' });
  });
});

describe('delivery and presence', () => {
  it('a publication while the device is online is DELIVERED; while offline or unknown it stays PENDING', () => {
    expect(delivered(assigned(true), t0, policy).change).toMatchObject({ from: 'PENDING', to: 'DELIVERED' });
    for (const online of [false, null]) {
      const step = delivered(assigned(online), t0, policy);
      expect(step.change).toBeUndefined();
      expect(step.device).toMatchObject({ state: 'PENDING', deliveries: 1, nextDeliveryAt: t0 + 1000 });
    }
  });

  it('coming online after a publication is DELIVERED (the retained message reaches it) and re-publishes at once', () => {
    const published = delivered(assigned(false), t0, policy).device;
    const online = applyInput(published, { kind: 'presence', online: true }, t0 + 500);
    expect(online.change).toMatchObject({ from: 'PENDING', to: 'DELIVERED', at: t0 + 500 });
    expect(online.device).toMatchObject({ online: true, nextDeliveryAt: t0 + 500, deliveredAt: t0 + 500 });
  });

  it('coming online before any publication waits for it; going offline changes no state', () => {
    const online = applyInput(assigned(false), { kind: 'presence', online: true }, t0 + 1);
    expect(online.change).toBeUndefined();
    expect(online.device).toMatchObject({ online: true, nextDeliveryAt: t0 + 1, state: 'PENDING' });
    const offline = applyInput(delivered(online.device, t0 + 2, policy).device, { kind: 'presence', online: false }, t0 + 3);
    expect(offline.change).toBeUndefined();
    expect(offline.device).toMatchObject({ online: false, state: 'DELIVERED' });
  });

  it('presence of an answered or unconfigured device schedules nothing', () => {
    const applied = applyInput(assigned(), ack('applied'), t0 + 10).device;
    expect(applyInput(applied, { kind: 'presence', online: true }, t0 + 20).device).toMatchObject({ nextDeliveryAt: null, online: true });
    expect(applyInput(unconfigured, { kind: 'presence', online: true }, t0).device).toEqual({ ...unconfigured, online: true });
  });

  it('re-delivers with doubling delays up to the maximum, never at or past the deadline, then times out', () => {
    let device = assigned(false);
    const times: number[] = [];
    let now = t0;
    while (device.nextDeliveryAt !== null) {
      now = device.nextDeliveryAt;
      times.push(now - t0);
      device = delivered(device, now, policy).device;
    }
    expect(times).toEqual([0, 1000, 3000, 7000, 15000, 23000, 31000, 39000, 47000, 55000]);
    expect(isDue(device, assignment.deadline - 1)).toBe(false);
    expect(isDue(device, assignment.deadline)).toBe(true);
    const steps = [expire(device, assignment.deadline - 1), expire(device, assignment.deadline)];
    expect(states(steps)).toEqual([undefined, 'TIMED_OUT']);
    expect(steps[1]!.device).toMatchObject({ nextDeliveryAt: null, detail: 'no matching acknowledgement by the deadline' });
    expect(isDue(steps[1]!.device, assignment.deadline + 1)).toBe(false);
    expect(expire(steps[1]!.device, assignment.deadline + 1).change).toBeUndefined();
  });

  it('a delivery round publishes, then times out what reached its deadline, in that order', () => {
    const online = assigned(true);
    expect(deliveryRound(online, true, t0, policy).changes.map((c) => c.to)).toEqual(['DELIVERED']);
    expect(deliveryRound(online, true, assignment.deadline, policy).changes.map((c) => c.to)).toEqual(['DELIVERED', 'TIMED_OUT']);
    expect(deliveryRound(online, false, assignment.deadline, policy)).toMatchObject({ device: { state: 'TIMED_OUT', deliveries: 0 }, changes: [{ from: 'PENDING', to: 'TIMED_OUT' }] });
    expect(deliveryRound(online, false, t0, policy)).toEqual({ device: online, changes: [] });
  });

  it('nextDeliveryAfter caps the delay and stops short of the deadline', () => {
    expect(nextDeliveryAfter(1, 0, 100_000, policy)).toBe(1000);
    expect(nextDeliveryAfter(60, 0, 100_000, policy)).toBe(8000);
    expect(nextDeliveryAfter(1, 0, 1000, policy)).toBeNull();
  });

  it('the full way: assign, publish offline, come online, applied', () => {
    const steps: Step[] = [];
    let device = unconfigured;
    const run = (step: Step) => {
      steps.push(step);
      device = step.device;
    };
    run(applyInput({ ...unconfigured, online: false }, { kind: 'assignment', assignment }, t0));
    run(delivered(device, t0 + 1, policy));
    run(applyInput(device, { kind: 'presence', online: true }, t0 + 2));
    run(delivered(device, t0 + 3, policy));
    run(applyInput(device, ack('applied'), t0 + 4));
    expect(states(steps)).toEqual(['PENDING', undefined, 'DELIVERED', undefined, 'APPLIED']);
    expect(device).toMatchObject({ deliveries: 2, nextDeliveryAt: null, deliveredAt: t0 + 2, answeredAt: t0 + 4 });
  });
});
