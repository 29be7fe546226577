import { ErrorWithReasonCode } from 'mqtt';
import { z } from 'zod';
import { fakeFiles } from '../test/fake-files';
import { connectionOptions, readComponentOptions } from './config';
import { mqttConnection, mqttRefusalFix, mqttSecurityOptions } from './mqtt-security';

const read = fakeFiles({ '/ca.pem': 'CA', '/device.pem': 'CERT', '/device.key': 'KEY' });

/** The options as a component reads them from its environment, mapped to mqtt.js's. */
function fromEnvironment(env: Record<string, string>) {
  const schema = z.strictObject({ mqttUrl: connectionOptions.mqttUrl, ...mqttSecurityOptions });
  return mqttConnection(readComponentOptions(schema, { name: 'test', envPrefix: '' }, env).options, read);
}

describe('mqttConnection', () => {
  it('hands the URL on without its credentials, which become options', () => {
    expect(fromEnvironment({ MQTT_URL: 'mqtt://dev:s%40cret@127.0.0.1:1884' })).toEqual({ url: 'mqtt://127.0.0.1:1884', security: { username: 'dev', password: 's@cret' } });
    expect(fromEnvironment({ MQTT_URL: 'mqtts://broker.example:8883' })).toEqual({ url: 'mqtts://broker.example:8883', security: {} });
  });

  it("lets MQTT_USERNAME and MQTT_PASSWORD replace the URL's (mqtt.js would let the URL's win)", () => {
    expect(fromEnvironment({ MQTT_URL: 'mqtt://dev:old@127.0.0.1:1884', MQTT_USERNAME: 'fleetstream-mqtt-source', MQTT_PASSWORD: 'new' }).security)
      .toEqual({ username: 'fleetstream-mqtt-source', password: 'new' });
    expect(fromEnvironment({ MQTT_URL: 'mqtts://svc@broker:8883', MQTT_PASSWORD: 'from-a-secret' })).toEqual({ url: 'mqtts://broker:8883', security: { username: 'svc', password: 'from-a-secret' } });
  });

  it('reads the CA, and a client certificate with its key (a device credential)', () => {
    expect(fromEnvironment({ MQTT_URL: 'mqtts://b:8885', MQTT_CA_FILE: '/ca.pem', MQTT_CERT_FILE: '/device.pem', MQTT_KEY_FILE: '/device.key' }).security)
      .toEqual({ ca: Buffer.from('CA'), cert: Buffer.from('CERT'), key: Buffer.from('KEY') });
  });

  it.each([
    ['a certificate without its key', { MQTT_CERT_FILE: '/device.pem' }, /MQTT_CERT_FILE and MQTT_KEY_FILE go together/],
    ['a key without its certificate', { MQTT_KEY_FILE: '/device.key' }, /MQTT_CERT_FILE and MQTT_KEY_FILE go together/],
    ['a CA file that cannot be read', { MQTT_CA_FILE: '/nowhere.pem' }, /MQTT_CA_FILE: cannot read \/nowhere.pem \(ENOENT\)/],
  ])('refuses %s with CONFIG_INVALID naming the variable', (_what, env, message) => {
    expect(() => fromEnvironment({ MQTT_URL: 'mqtts://b:8884', ...env })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', message: expect.stringMatching(message) }));
  });
});

describe('mqttRefusalFix', () => {
  it('names the option to fix for an untrusted broker, a refused certificate and refused credentials', () => {
    expect(mqttRefusalFix(Object.assign(new Error('self-signed certificate in certificate chain'), { code: 'SELF_SIGNED_CERT_IN_CHAIN' }))).toMatch(/set MQTT_CA_FILE/);
    expect(mqttRefusalFix(Object.assign(new Error('alert certificate required'), { code: 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED' }))).toMatch(/MQTT_CERT_FILE and MQTT_KEY_FILE/);
    expect(mqttRefusalFix(new ErrorWithReasonCode('Connection refused: Bad User Name or Password', 134))).toMatch(/MQTT_USERNAME and MQTT_PASSWORD/);
  });

  it('leaves a broker that is merely down to the reconnects', () => {
    expect(mqttRefusalFix(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))).toBeUndefined();
  });
});
