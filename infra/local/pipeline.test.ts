import { components } from '../../bin/components';
import { pipelineComponents } from './pipeline';

const stack = { MQTT_AUTH_FILE: '/state/mosquitto/auth', MQTT_SERVICE_ACCOUNTS_FILE: '/state/mosquitto/service-accounts' };

describe('the local pipeline', () => {
  it("runs every component of the table, the broker auth sync on the stack broker's auth file after its service accounts", () => {
    const specs = pipelineComponents({}, stack);
    expect(specs.map((s) => s.name)).toEqual(components.map((c) => c.name));
    expect(specs.find((s) => s.name === 'broker-auth-sync')!.env).toEqual({
      BROKER_AUTH_SYNC_AUTH_FILE: '/state/mosquitto/auth',
      BROKER_AUTH_SYNC_SERVICE_ACCOUNTS_FILE: '/state/mosquitto/service-accounts',
    });
  });

  it("lets the caller's options and BROKER_AUTH_SYNC_* variables win over the stack's files", () => {
    const specs = pipelineComponents({ 'broker-auth-sync': { BROKER_AUTH_SYNC_SETTLE: '1s' } }, { ...stack, BROKER_AUTH_SYNC_AUTH_FILE: '/elsewhere/auth' });
    expect(specs.find((s) => s.name === 'broker-auth-sync')!.env).toEqual({
      BROKER_AUTH_SYNC_AUTH_FILE: '/elsewhere/auth',
      BROKER_AUTH_SYNC_SERVICE_ACCOUNTS_FILE: '/state/mosquitto/service-accounts',
      BROKER_AUTH_SYNC_SETTLE: '1s',
    });
  });

  it("refuses to start without the stack's files, naming make env", () => {
    expect(() => pipelineComponents({}, { MQTT_AUTH_FILE: '/state/mosquitto/auth' })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', message: expect.stringContaining('make -s env') }));
  });
});
