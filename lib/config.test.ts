import { z } from 'zod';
import { connectionOptions, describeOptions, parseOptions, readComponentOptions, readConnectionSettings, redactUrl } from './config';
import { duration, flag, integer, keyValues, list } from './option-types';

describe('readConnectionSettings', () => {
  it('defaults to the local stack', () => {
    expect(readConnectionSettings({})).toEqual({
      kafkaBrokers: ['127.0.0.1:9092'],
      schemaRegistryUrl: 'http://127.0.0.1:8081/apis/ccompat/v7',
      databaseUrl: 'postgres://postgres@127.0.0.1:5432/fleetstream',
      redisUrl: 'redis://127.0.0.1:6379',
      mqttUrl: 'mqtt://127.0.0.1:1883',
      kafkaSsl: false,
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

describe('readComponentOptions', () => {
  const schema = z.strictObject({
    kafkaBrokers: connectionOptions.kafkaBrokers,
    batchMaxRecords: integer(1, 10_000).default(5000).meta({ description: 'records per send' }),
    commitInterval: duration().prefault('200ms').meta({ description: 'how often' }),
    fromBeginning: flag.default(true),
    resolutions: list(z.string(), 1).prefault(['1m', '1h']),
    horizons: keyValues(duration()).prefault({ '1m': '24h' }),
  });
  const component = { name: 'demo', envPrefix: 'DEMO_' };

  it('reads each option from <PREFIX><OPTION>, and connection options from their own variable', () => {
    const env = { DEMO_BATCH_MAX_RECORDS: '500', DEMO_COMMIT_INTERVAL: '2s', DEMO_FROM_BEGINNING: 'false', DEMO_RESOLUTIONS: '1m, 1d', DEMO_HORIZONS: '1m=1d,1h=30d', KAFKA_BROKERS: 'k1:9092,k2:9092', OTHER: 'x' };
    const { options, input } = readComponentOptions(schema, component, env);
    expect(options).toEqual({ kafkaBrokers: ['k1:9092', 'k2:9092'], batchMaxRecords: 500, commitInterval: 2000, fromBeginning: false, resolutions: ['1m', '1d'], horizons: { '1m': 86_400_000, '1h': 30 * 86_400_000 } });
    expect(input.batchMaxRecords).toBe('500');
  });

  it('applies the defaults, written as in the environment', () => {
    expect(readComponentOptions(schema, component, {}).options).toEqual({ kafkaBrokers: ['127.0.0.1:9092'], batchMaxRecords: 5000, commitInterval: 200, fromBeginning: true, resolutions: ['1m', '1h'], horizons: { '1m': 86_400_000 } });
  });

  it('names the variable of a bad value, and refuses a prefixed variable that is no option', () => {
    const run = () => readComponentOptions(schema, component, { DEMO_BATCH_MAX_RECORDS: 'many', DEMO_COMMIT_INTERVAL: '200', DEMO_BATCH_SIZE: '5', DEMO_FROM_BEGINNING: 'maybe' });
    expect(run).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    expect(run).toThrow(/DEMO_BATCH_SIZE: not an option of demo/);
    expect(run).toThrow(/DEMO_BATCH_MAX_RECORDS: /);
    expect(run).toThrow(/DEMO_COMMIT_INTERVAL: "200" is not a duration/);
    expect(run).toThrow(/DEMO_FROM_BEGINNING: must be true or false/);
  });

  it('describes every option with its variable and its default as text', () => {
    expect(describeOptions(schema, 'DEMO_').map((d) => [d.env, d.default])).toEqual([
      ['KAFKA_BROKERS', '127.0.0.1:9092'],
      ['DEMO_BATCH_MAX_RECORDS', '5000'],
      ['DEMO_COMMIT_INTERVAL', '200ms'],
      ['DEMO_FROM_BEGINNING', 'true'],
      ['DEMO_RESOLUTIONS', '1m,1h'],
      ['DEMO_HORIZONS', '1m=24h'],
    ]);
  });
});

describe('redactUrl', () => {
  it('hides the password', () => {
    expect(redactUrl('postgres://user:secret@db:5432/x')).toBe('postgres://user:***@db:5432/x');
  });
});
