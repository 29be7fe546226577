import { parseMqttDownlinkOptions } from './options';

describe('mqtt-downlink options', () => {
  it('default to the contract: fleet.downlink.v1, the fleet/{tenant}/{site}/{device} root, a group of its own', () => {
    expect(parseMqttDownlinkOptions({})).toMatchObject({ downlinkTopic: 'fleet.downlink.v1', deviceTopicRoot: 'fleet/{tenant}/{site}/{device}', groupId: 'fleetstream-mqtt-downlink', maxPayloadBytes: 262_144 });
  });

  it.each([
    ['fleet/{tenant}/{device}', /deviceTopicRoot: .*needs \{site\} exactly once/],
    ['fleet/+/{tenant}/{site}/{device}', /deviceTopicRoot: .*must be a literal/],
  ])('refuse the device topic root %s, saying what is wrong with it', (deviceTopicRoot, why) => {
    expect(() => parseMqttDownlinkOptions({ deviceTopicRoot })).toThrow(why);
  });

  it('refuse unknown options', () => {
    expect(() => parseMqttDownlinkOptions({ topic: 'x' })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });
});
