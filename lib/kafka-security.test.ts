import { KafkaJSConnectionError, KafkaJSNumberOfRetriesExceeded, KafkaJSSASLAuthenticationError } from 'kafkajs';
import { z } from 'zod';
import { fakeFiles } from '../test/fake-files';
import { readComponentOptions } from './config';
import { kafkaSecurity, kafkaSecurityOptions, refusedByKafka } from './kafka-security';

const read = fakeFiles({ '/ca.pem': 'CA', '/client.pem': 'CERT', '/client.key': 'KEY' });

/** The options as a component reads them from its environment, mapped to kafkajs's `ssl` and `sasl`. */
function fromEnvironment(env: Record<string, string>) {
  const { options } = readComponentOptions(z.strictObject(kafkaSecurityOptions), { name: 'test', envPrefix: '' }, env);
  return kafkaSecurity(options, read);
}

describe('kafkaSecurity', () => {
  it('is plaintext without SASL by default', () => {
    expect(fromEnvironment({})).toEqual({});
  });

  it("takes KAFKA_SSL=true alone as TLS against the system's CAs", () => {
    expect(fromEnvironment({ KAFKA_SSL: 'true' })).toEqual({ ssl: true });
  });

  it('reads the CA, the client certificate and its key into the TLS options', () => {
    expect(fromEnvironment({ KAFKA_SSL: 'true', KAFKA_CA_FILE: '/ca.pem' })).toEqual({ ssl: { ca: Buffer.from('CA') } });
    expect(fromEnvironment({ KAFKA_SSL: 'yes', KAFKA_CA_FILE: '/ca.pem', KAFKA_CERT_FILE: '/client.pem', KAFKA_KEY_FILE: '/client.key' }))
      .toEqual({ ssl: { ca: Buffer.from('CA'), cert: Buffer.from('CERT'), key: Buffer.from('KEY') } });
  });

  it.each(['plain', 'scram-sha-256', 'scram-sha-512'] as const)('maps SASL %s with its username and password', (mechanism) => {
    expect(fromEnvironment({ KAFKA_SASL_MECHANISM: mechanism, KAFKA_SASL_USERNAME: 'fleet', KAFKA_SASL_PASSWORD: 'pw' })).toEqual({ sasl: { mechanism, username: 'fleet', password: 'pw' } });
  });

  it('combines TLS and SASL (a SASL_SSL listener)', () => {
    expect(fromEnvironment({ KAFKA_SSL: 'true', KAFKA_CA_FILE: '/ca.pem', KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' }))
      .toEqual({ ssl: { ca: Buffer.from('CA') }, sasl: { mechanism: 'scram-sha-512', username: 'u', password: 'p' } });
  });

  it('refuses an unknown mechanism, naming the variable', () => {
    expect(() => fromEnvironment({ KAFKA_SASL_MECHANISM: 'gssapi' })).toThrow(/KAFKA_SASL_MECHANISM/);
  });

  it.each([
    ['a file without KAFKA_SSL', { KAFKA_CA_FILE: '/ca.pem' }, /KAFKA_CA_FILE is set but KAFKA_SSL is not true: set KAFKA_SSL=true/],
    ['a certificate without its key', { KAFKA_SSL: 'true', KAFKA_CERT_FILE: '/client.pem' }, /KAFKA_CERT_FILE and KAFKA_KEY_FILE go together/],
    ['a file that cannot be read', { KAFKA_SSL: 'true', KAFKA_CA_FILE: '/missing.pem' }, /KAFKA_CA_FILE: cannot read \/missing.pem \(ENOENT\)/],
    ['a mechanism without a password', { KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'u' }, /KAFKA_SASL_MECHANISM=plain needs KAFKA_SASL_PASSWORD/],
    ['credentials without a mechanism', { KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' }, /KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD are set but KAFKA_SASL_MECHANISM is not/],
  ])('refuses %s with CONFIG_INVALID naming the fix', (_what, env, message) => {
    expect(() => fromEnvironment(env)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', message: expect.stringMatching(message) }));
  });

  it('reports every problem at once', () => {
    expect(() => fromEnvironment({ KAFKA_CERT_FILE: '/client.pem', KAFKA_SASL_PASSWORD: 'p' })).toThrow(/KAFKA_SSL.*; .*KAFKA_KEY_FILE.*; .*KAFKA_SASL_MECHANISM/);
  });

  it('documents the password as a secret (never in a ConfigMap)', () => {
    expect((kafkaSecurityOptions.kafkaSaslPassword.meta() as { secret?: boolean }).secret).toBe(true);
  });
});

// kafkajs's types declare no constructor arguments for it; the class takes a message like its siblings
const SaslAuthenticationError = KafkaJSSASLAuthenticationError as unknown as new (message: string) => Error;

describe('refusedByKafka', () => {
  it('makes refused SASL credentials a non-retriable KAFKA_AUTH_FAILED naming the options, however kafkajs wrapped them', () => {
    const refused = new SaslAuthenticationError('SASL SCRAM SHA512 authentication failed: Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512');
    for (const error of [refused, new KafkaJSNumberOfRetriesExceeded(refused, { retryCount: 3, retryTime: 100 })]) {
      expect(refusedByKafka(error)).toMatchObject({ code: 'KAFKA_AUTH_FAILED', retriable: false, cause: error, message: expect.stringMatching(/invalid credentials.*KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD/) });
    }
  });

  it("makes an untrusted broker certificate a KAFKA_TLS_FAILED that names KAFKA_CA_FILE", () => {
    const error = new KafkaJSNumberOfRetriesExceeded(new KafkaJSConnectionError('Connection error: self-signed certificate in certificate chain', { code: 'SELF_SIGNED_CERT_IN_CHAIN' }), { retryCount: 5, retryTime: 100 });
    expect(refusedByKafka(error)).toMatchObject({ code: 'KAFKA_TLS_FAILED', retriable: false, message: expect.stringContaining('set KAFKA_CA_FILE') });
  });

  it('leaves a broker that is merely unreachable to the retries', () => {
    expect(refusedByKafka(new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:1', { code: 'ECONNREFUSED' }))).toBeUndefined();
    expect(refusedByKafka(new Error('Connection timeout'))).toBeUndefined();
  });
});
