import { components } from '../../bin/components';
import { pipelineComponents, stackComponents } from './pipeline';

describe('the local pipeline', () => {
  it('runs every component of the table but broker-auth-sync, which the stack runs with its broker', () => {
    const specs = pipelineComponents();
    expect(stackComponents).toEqual(['broker-auth-sync']);
    expect(specs.map((s) => s.name)).toEqual(components.map((c) => c.name).filter((name) => name !== 'broker-auth-sync'));
    expect(specs.every((s) => s.opsPort === components.find((c) => c.name === s.name)!.opsPort)).toBe(true);
  });

  it("passes the caller's options to their component only", () => {
    const specs = pipelineComponents({ rollups: { ROLLUPS_IDLE_TIMEOUT: '5s' } }, {});
    expect(specs.find((s) => s.name === 'rollups')!.env).toEqual({ ROLLUPS_IDLE_TIMEOUT: '5s' });
    expect(specs.find((s) => s.name === 'redis-sink')!.env).toBeUndefined();
  });

  it("gives the downlink its own broker account, which `make env` exports apart from the connector's", () => {
    const stackEnv = { MQTT_USERNAME: 'fleetstream-mqtt-source', MQTT_PASSWORD: 'p1', DOWNLINK_MQTT_USERNAME: 'fleetstream-mqtt-downlink', DOWNLINK_MQTT_PASSWORD: 'p2' };
    const specs = pipelineComponents({ 'mqtt-downlink': { MQTT_DOWNLINK_CONNECTIONS: '2' } }, stackEnv);
    expect(specs.find((s) => s.name === 'mqtt-downlink')!.env).toEqual({ MQTT_USERNAME: 'fleetstream-mqtt-downlink', MQTT_PASSWORD: 'p2', MQTT_DOWNLINK_CONNECTIONS: '2' });
    expect(specs.find((s) => s.name === 'mqtt-source')!.env).toBeUndefined();
  });

  it('gives the MQTT republisher its own broker account (REPUBLISHER_MQTT_*)', () => {
    const stackEnv = { MQTT_USERNAME: 'fleetstream-mqtt-source', MQTT_PASSWORD: 'p1', REPUBLISHER_MQTT_USERNAME: 'fleetstream-mqtt-republisher', REPUBLISHER_MQTT_PASSWORD: 'p3' };
    expect(pipelineComponents({}, stackEnv).find((s) => s.name === 'mqtt-republisher')!.env).toEqual({ MQTT_USERNAME: 'fleetstream-mqtt-republisher', MQTT_PASSWORD: 'p3' });
  });
});
