import { parseMqttRepublisherOptions } from './options';

describe('mqtt-republisher options', () => {
  it('default to the contract: the three rollup resolutions and the alerts, no bridge, the restore on', () => {
    const options = parseMqttRepublisherOptions({});
    expect(options).toMatchObject({
      resolutions: ['1m', '1h', '1d'], alertsTopic: 'fleet.alerts.v1', republishAlerts: true, groupId: 'fleetstream-mqtt-republisher',
      bridgeTopicPrefix: 'fleet-out', bridgeTenants: [], restoreOnConnect: true, maxInFlight: 1000,
    });
    expect(options.bridgeUrl).toBeUndefined();
  });

  it('take a bridge with its prefix and tenants', () => {
    expect(parseMqttRepublisherOptions({ bridgeUrl: 'mqtts://edge.example:8883', bridgeTopicPrefix: 'site-7/fleet', bridgeTenants: 'acme,globex' })).toMatchObject({
      bridgeUrl: 'mqtts://edge.example:8883', bridgeTopicPrefix: 'site-7/fleet', bridgeTenants: ['acme', 'globex'],
    });
  });

  it.each([
    [{ bridgeTopicPrefix: 'fleet/#' }, /bridgeTopicPrefix/],
    [{ bridgeTopicPrefix: 'out/' }, /bridgeTopicPrefix/],
    [{ bridgeTenants: 'acme,a/b' }, /bridgeTenants/],
    [{ bridgeUrl: 'http://edge.example' }, /bridgeUrl/],
    [{ resolutions: '1m,7x' }, /resolutions/],
    [{ topic: 'x' }, /topic/],
  ])('refuse %j, naming the option', (input, why) => {
    expect(() => parseMqttRepublisherOptions(input)).toThrow(why);
  });
});
