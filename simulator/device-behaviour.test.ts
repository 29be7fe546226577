import { SimulatedDeviceState, deviceListenSubtopics } from './device-behaviour';

const id = '3f1c2a4e-9b7d-4e2f-8a61-0c5d9e7b1a23';
const json = (value: unknown) => Buffer.from(JSON.stringify(value));

describe('a simulated device', () => {
  it('acknowledges a command, answers it, and executes a redelivered one only once', () => {
    const device = new SimulatedDeviceState(10, () => 1000);
    const first = device.onCommandRequest(`cmd/req/${id}/set_interval`, json({ params: { seconds: 30 }, expiresAt: null }));
    expect(first).toEqual([
      { subtopic: `cmd/ack/${id}`, payload: '{}' },
      { subtopic: `cmd/res/${id}/succeeded`, payload: '{"interval":30}' },
    ]);
    expect(device.onCommandRequest(`cmd/req/${id}/set_interval`, json({ params: { seconds: 99 } }))).toEqual(first);
    expect(device.executed).toBe(1);
    expect(device.reported.interval).toBe(30);
  });

  it('fails unknown commands and bad parameters, and ignores a request without a valid id', () => {
    const device = new SimulatedDeviceState(10);
    expect(device.onCommandRequest(`cmd/req/${id}/selfdestruct`, json({}))[1]).toEqual({ subtopic: `cmd/res/${id}/failed`, payload: '{"error":"unknown command selfdestruct"}' });
    const other = '00000000-0000-4000-8000-000000000000';
    expect(device.onCommandRequest(`cmd/req/${other}/set_interval`, json({ params: { seconds: -1 } }))[1]!.subtopic).toBe(`cmd/res/${other}/failed`);
    expect(device.onCommandRequest('cmd/req/not-an-id/ping', json({}))).toEqual([]);
  });

  it('applies a shadow delta and reports it; null deletes; an empty retained delta does nothing', () => {
    const device = new SimulatedDeviceState(10, () => 5);
    const replies = device.onShadowDelta(json({ state: { interval: 60, led: 'on', gone: null }, version: 4 }));
    expect(replies).toEqual([{ subtopic: 'shadow/update', payload: JSON.stringify({ state: { reported: { interval: 60, led: 'on', gone: null } }, clientToken: 'sim-5' }) }]);
    expect(device.reported).toEqual({ interval: 60, led: 'on' });
    expect(device.onShadowDelta(Buffer.alloc(0))).toEqual([]);
  });

  it('applies a configuration once per version and acknowledges it each time', () => {
    const device = new SimulatedDeviceState(10);
    const config = json({ version: 3, sha256: 'ab', config: { interval_s: 15 } });
    const ack = [{ subtopic: 'config/ack', payload: JSON.stringify({ version: 3, sha256: 'ab', status: 'applied', detail: 'version 3 applied' }) }];
    expect(device.onConfig(config)).toEqual(ack);
    device.reported.interval = 99;
    expect(device.onConfig(config)).toEqual(ack);
    expect(device.reported.interval).toBe(99);
    expect(JSON.parse(device.onConfig(json({ version: 4, sha256: 'cd', config: [1] }))[0]!.payload).status).toBe('rejected');
  });

  it('listens on its command requests, its shadow delta and its configuration', () => {
    expect(deviceListenSubtopics).toEqual(['cmd/req/+/+', 'shadow/update/delta', 'config']);
  });
});
