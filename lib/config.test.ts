import { z } from 'zod';
import { componentEnv, parseOptions, readConnectionSettings, redactUrl } from './config';

describe('readConnectionSettings', () => {
  it('defaults to the local stack', () => {
    expect(readConnectionSettings({})).toEqual({
      kafkaBrokers: ['127.0.0.1:9092'],
      schemaRegistryUrl: 'http://127.0.0.1:8081/apis/ccompat/v7',
      databaseUrl: 'postgres://postgres@127.0.0.1:5432/fleetstream',
      redisUrl: 'redis://127.0.0.1:6379',
      mqttUrl: 'mqtt://127.0.0.1:1883',
    });
  });

  it('splits the broker list and trims a trailing slash from the registry URL', () => {
    const settings = readConnectionSettings({ KAFKA_BROKERS: 'k1:9092, k2:9092', SCHEMA_REGISTRY_URL: 'http://sr:8081/' });
    expect(settings.kafkaBrokers).toEqual(['k1:9092', 'k2:9092']);
    expect(settings.schemaRegistryUrl).toBe('http://sr:8081');
  });

  it('names the variable that is wrong', () => {
    expect(() => readConnectionSettings({ DATABASE_URL: 'mysql://x' })).toThrow(/environment: DATABASE_URL: must start with postgres:\/\//);
  });
});

describe('parseOptions', () => {
  const schema = z.strictObject({ batchSize: z.coerce.number().int().max(10).default(5) });

  it('applies defaults and coerces', () => {
    expect(parseOptions(schema, {}, 'x')).toEqual({ batchSize: 5 });
    expect(parseOptions(schema, { batchSize: '7' }, 'x')).toEqual({ batchSize: 7 });
  });

  it('rejects unknown keys and bad values with CONFIG_INVALID, naming the option', () => {
    expect(() => parseOptions(schema, { batchSize: 11 }, 'mqtt-source options')).toThrow(/^mqtt-source options: batchSize: /);
    expect(() => parseOptions(schema, { batchSzie: 1 }, 'opts')).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', message: expect.stringMatching(/batchSzie/) }));
  });
});

describe('componentEnv', () => {
  it('maps prefixed variables to camelCase option names', () => {
    expect(componentEnv('MQTT_SOURCE_', { MQTT_SOURCE_BATCH_MAX_RECORDS: '500', MQTT_SOURCE_TOPIC_SCHEME: 'a/{tenant}', OTHER: 'x', MQTT_SOURCE_EMPTY: '' })).toEqual({
      batchMaxRecords: '500',
      topicScheme: 'a/{tenant}',
    });
  });
});

describe('redactUrl', () => {
  it('hides the password', () => {
    expect(redactUrl('postgres://user:secret@db:5432/x')).toBe('postgres://user:***@db:5432/x');
  });
});
