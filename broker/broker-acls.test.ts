import { deviceAcls, parseDeviceUsername } from './broker-acls';

describe('device usernames', () => {
  it('name a tenant, a site and a device', () => {
    expect(parseDeviceUsername('acme/plant-1/meter.7')).toEqual({ tenant: 'acme', site: 'plant-1', device: 'meter.7' });
  });

  it.each(['acme/plant', 'acme/plant/meter/extra', 'acme/+/meter', 'acme/#/x', 'acme//meter', '$SYS/a/b'])('refuse %s, which would widen the device space', (username) => {
    expect(() => parseDeviceUsername(username)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });
});

describe('a device role', () => {
  it('denies subscribing to the uplink before it allows the rest of the device space', () => {
    const subscribe = deviceAcls('t/s/d').filter((acl) => acl.acltype === 'subscribePattern');
    expect(subscribe).toEqual([
      { acltype: 'subscribePattern', topic: 'fleet/t/s/d/up', allow: false, priority: 1 },
      { acltype: 'subscribePattern', topic: 'fleet/t/s/d/#', allow: true },
    ]);
  });
});
