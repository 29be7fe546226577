import { deviceKey, parseDeviceSubtopic, parseDeviceTopicRoot, downlinkSubtopics, defaultDeviceTopicRoot } from './device-topics';

const id = '3f1c2a4e-9b7d-4e2f-8a61-0c5d9e7b1a23';
const device = { tenant: 'acme', site: 'plant1', device: 'meter7' };

describe('device subtopics', () => {
  it.each([
    [`cmd/ack/${id}`, { kind: 'command_ack', commandId: id }],
    [`cmd/res/${id}/succeeded`, { kind: 'command_result', commandId: id, status: 'succeeded' }],
    [`cmd/res/${id}/failed`, { kind: 'command_result', commandId: id, status: 'failed' }],
    ['shadow/update', { kind: 'shadow_request', operation: 'update' }],
    ['shadow/get', { kind: 'shadow_request', operation: 'get' }],
    ['shadow/delete', { kind: 'shadow_request', operation: 'delete' }],
    ['config/ack', { kind: 'config_ack' }],
    ['status', { kind: 'status' }],
  ])('%s is a device message', (subtopic, expected) => {
    expect(parseDeviceSubtopic(subtopic)).toEqual(expected);
  });

  it.each(['up', 'cmd/ack/not-a-uuid', `cmd/res/${id}/maybe`, `cmd/req/${id}/reboot`, 'shadow/update/delta', 'shadow/update/accepted', 'config', 'status/x', `cmd/ack/${id}/x`])(
    '%s is not one',
    (subtopic) => {
      expect(parseDeviceSubtopic(subtopic)).toBeUndefined();
    },
  );
});

describe('device topic root', () => {
  const root = parseDeviceTopicRoot(defaultDeviceTopicRoot);

  it('names a device\'s topics and finds the device and subtopic in them', () => {
    const topic = root.topic(device, downlinkSubtopics.commandRequest(id, 'reboot'));
    expect(topic).toBe(`fleet/acme/plant1/meter7/cmd/req/${id}/reboot`);
    expect(root.match(topic)).toEqual({ device, subtopic: `cmd/req/${id}/reboot` });
    expect(root.filter('cmd/ack/+')).toBe('fleet/+/+/+/cmd/ack/+');
  });

  it('matches nothing outside the root, nor the root itself, nor invalid segments', () => {
    expect(root.match('other/acme/plant1/meter7/status')).toBeUndefined();
    expect(root.match('fleet/acme/plant1/meter7')).toBeUndefined();
    expect(root.match('fleet/acme/pl ant/meter7/status')).toBeUndefined();
  });

  it('takes other layouts and refuses broken ones', () => {
    expect(parseDeviceTopicRoot('t/{tenant}/d/{device}/{site}').base(device)).toBe('t/acme/d/meter7/plant1');
    expect(() => parseDeviceTopicRoot('fleet/{tenant}/{device}')).toThrow(/\{site\}/);
    expect(() => parseDeviceTopicRoot('fleet/+/{tenant}/{site}/{device}')).toThrow(/literal/);
    expect(() => parseDeviceTopicRoot('fleet/{tenant}/{site}/{device}/')).toThrow(/literal/);
  });

  it('keys by <tenant>/<site>/<device>', () => {
    expect(deviceKey(device)).toBe('acme/plant1/meter7');
  });
});
