import { defaultDeviceTopicRoot, parseDeviceTopicRoot } from '../../schemas/device-topics';
import { routeTopic } from './topic-route';
import { parseTopicScheme } from './topic-scheme';

const scheme = parseTopicScheme('fleet/{tenant}/{site}/{device}/up');
const root = parseDeviceTopicRoot(defaultDeviceTopicRoot);
const device = { tenant: 'acme', site: 'plant1', device: 'meter7' };
const id = '3f1c2a4e-9b7d-4e2f-8a61-0c5d9e7b1a23';

describe('routeTopic', () => {
  it('keeps a device\'s uplink a reading', () => {
    expect(routeTopic('fleet/acme/plant1/meter7/up', scheme, root)).toEqual({ kind: 'reading', address: device });
  });

  it.each([
    [`cmd/ack/${id}`, { kind: 'command_ack', commandId: id }],
    [`cmd/res/${id}/failed`, { kind: 'command_result', commandId: id, status: 'failed' }],
    ['shadow/update', { kind: 'shadow_request', operation: 'update' }],
    ['config/ack', { kind: 'config_ack' }],
    ['status', { kind: 'status' }],
  ])('takes %s under the root as a device message of the device the topic names', (subtopic, message) => {
    expect(routeTopic(`fleet/acme/plant1/meter7/${subtopic}`, scheme, root)).toEqual({ kind: 'device_message', device, subtopic, message });
  });

  it.each(['cmd/ack/not-a-uuid', `cmd/res/${id}/maybe`, 'shadow/update/delta', 'config', 'anything/else'])('names %s under the root an unknown subtopic', (subtopic) => {
    expect(routeTopic(`fleet/acme/plant1/meter7/${subtopic}`, scheme, root)).toEqual({ kind: 'unknown_subtopic', device, subtopic });
  });

  it.each(['other/acme/plant1/meter7/status', 'fleet/acme/plant1', 'fleet/acme/plant 1/meter7/status'])('leaves %s outside', (topic) => {
    expect(routeTopic(topic, scheme, root)).toEqual({ kind: 'outside' });
  });

  it('follows a root of another shape than the scheme', () => {
    const devices = parseDeviceTopicRoot('devices/{site}/{tenant}/{device}');
    expect(routeTopic('devices/plant1/acme/meter7/status', scheme, devices)).toMatchObject({ kind: 'device_message', device });
    expect(routeTopic('fleet/acme/plant1/meter7/status', scheme, devices)).toEqual({ kind: 'outside' });
  });
});
