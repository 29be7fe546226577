import { notificationPayload, parseNotification } from './registry-change';

describe('registry notifications', () => {
  it('carry the schema, the revision and the change, and read back', () => {
    const payload = notificationPayload('fleet', 7, { type: 'device', change: 'revoked', tenant: 'acme', site: 'p1', device: 'm1' });
    expect(JSON.parse(payload)).toEqual({ schema: 'fleet', revision: 7, type: 'device', change: 'revoked', tenant: 'acme', site: 'p1', device: 'm1' });
    expect(parseNotification(payload)).toEqual(JSON.parse(payload));
  });

  it('ignore payloads of other senders on the channel', () => {
    expect(parseNotification('hello')).toBeUndefined();
    expect(parseNotification('{"type":"device"}')).toBeUndefined();
    expect(parseNotification(undefined)).toBeUndefined();
  });
});
