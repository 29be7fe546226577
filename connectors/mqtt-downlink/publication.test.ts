import { defaultDeviceTopicRoot, parseDeviceTopicRoot } from '../../schemas/device-topics';
import type { DownlinkMessage } from '../../schemas/types';
import { expiryAt, planPublication } from './publication';

const root = parseDeviceTopicRoot(defaultDeviceTopicRoot);
const id = '3f1c2a4e-9b7d-4e2f-8a61-0c5d9e7b1a23';
const message = (overrides: Partial<DownlinkMessage> = {}): DownlinkMessage => ({
  tenant: 'acme',
  site: 'plant1',
  device: 'meter7',
  subtopic: `cmd/req/${id}/reboot`,
  payload: Buffer.from('{}'),
  retain: false,
  qos: 1,
  expiresAt: null,
  origin: 'commands',
  createdAt: 0,
  ...overrides,
});
const key = 'acme/plant1/meter7';

describe('planPublication', () => {
  it.each([`cmd/req/${id}/reboot`, 'shadow/update/accepted', 'shadow/get/rejected', 'shadow/update/delta', 'config'])("publishes %s under the device's root", (subtopic) => {
    expect(planPublication(message({ subtopic, retain: true, qos: 0 }), key, root, 1024)).toEqual({
      ok: true,
      publication: { device: key, topic: `fleet/acme/plant1/meter7/${subtopic}`, payload: Buffer.from('{}'), qos: 0, retain: true, expiresAt: null },
    });
  });

  it('keeps an empty retained payload: it clears the retained message', () => {
    const plan = planPublication(message({ subtopic: 'shadow/update/delta', payload: Buffer.alloc(0), retain: true }), key, root, 1024);
    expect(plan).toMatchObject({ ok: true, publication: { payload: Buffer.alloc(0), retain: true } });
  });

  it.each<[string, Partial<DownlinkMessage>, RegExp]>([
    ['a device subtopic', { subtopic: 'status' }, /none of the platform's/],
    ['a reading uplink', { subtopic: 'up' }, /none of the platform's/],
    ['a wildcard', { subtopic: 'cmd/req/#' }, /none of the platform's/],
    ['an empty subtopic', { subtopic: '' }, /none of the platform's/],
    ['a device segment with a slash', { device: 'a/b' }, /device "a\/b" is not a valid path segment/],
    ['a tenant with a wildcard', { tenant: '+' }, /tenant "\+" is not a valid path segment/],
    ['QoS 2', { qos: 2 as DownlinkMessage['qos'] }, /qos 2/],
  ])('refuses %s as invalid_downlink', (_what, overrides, why) => {
    const plan = planPublication(message(overrides), overrides.device || overrides.tenant ? null : key, root, 1024);
    expect(plan).toMatchObject({ ok: false, reason: 'invalid_downlink', message: expect.stringMatching(why) });
  });

  it("refuses a record keyed by anything but its device, whose order with the device's others is lost", () => {
    expect(planPublication(message(), 'acme/plant1/other', root, 1024)).toMatchObject({ ok: false, reason: 'invalid_downlink', message: expect.stringContaining('key') });
    expect(planPublication(message(), null, root, 1024)).toMatchObject({ ok: false, reason: 'invalid_downlink' });
  });

  it('refuses a payload over maxPayloadBytes', () => {
    expect(planPublication(message({ payload: Buffer.alloc(1025) }), key, root, 1024)).toMatchObject({ ok: false, reason: 'payload_too_large', message: expect.stringContaining('maxPayloadBytes (1024)') });
  });
});

describe('expiryAt', () => {
  it('never expires without expiresAt', () => {
    expect(expiryAt(null, 1_000)).toEqual({ expired: false });
  });

  it('is expired at and after expiresAt', () => {
    expect(expiryAt(5_000, 5_000)).toEqual({ expired: true });
    expect(expiryAt(5_000, 5_001)).toEqual({ expired: true });
  });

  it('gives what is left in whole seconds, rounded up so a message about to expire still gets one', () => {
    expect(expiryAt(5_000, 4_999)).toEqual({ expired: false, messageExpiryInterval: 1 });
    expect(expiryAt(65_000, 5_000)).toEqual({ expired: false, messageExpiryInterval: 60 });
    expect(expiryAt(65_001, 5_000)).toEqual({ expired: false, messageExpiryInterval: 61 });
  });
});
