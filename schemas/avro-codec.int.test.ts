import { AvroDeserializer, SerdeType } from '@confluentinc/schemaregistry';
import avro from 'avsc';
import { producerDefaults } from '../lib/kafka';
import { freshGroupId, freshTopic, onCleanup, testKafka, testSettings, uniqueName } from '../test/factories';
import { AvroCodec } from './avro-codec';
import { avroSchemas, subjectCatalogue } from './avro-schemas';
import { createRegistryClient } from './registry-client';
import type { Measurement } from './types';

const measurement: Measurement = {
  path: '/acme/plant1/meter7/energy', tenant: 'acme', site: 'plant1', device: 'meter7', metric: 'energy', kind: 'energy',
  timestamp: 1_700_000_000_123, value: 1234.5, unit: 'kWh', tags: {}, receivedAt: 1_700_000_000_200, sourceTopic: 'fleet/acme/plant1/meter7/up',
};

describe('the schema registry and the Confluent wire format', () => {
  const client = createRegistryClient(testSettings().schemaRegistryUrl);

  it('registers a schema, and the official deserializer decodes what AvroCodec encoded through Kafka', async () => {
    const topic = await freshTopic();
    const codec = new AvroCodec<Measurement>(client, `${topic}-value`, avroSchemas.Measurement);
    const id = await codec.register();
    expect(await codec.register()).toBe(id); // registering again is idempotent

    const producer = testKafka().producer(producerDefaults);
    await producer.connect();
    onCleanup(() => producer.disconnect());
    await producer.send({ topic, messages: [{ key: measurement.path, value: codec.encode(measurement) }] });

    const consumer = testKafka().consumer({ groupId: freshGroupId() });
    await consumer.connect();
    onCleanup(() => consumer.disconnect());
    await consumer.subscribe({ topic, fromBeginning: true });
    const bytes = await new Promise<Buffer>((resolve) => void consumer.run({ eachMessage: async ({ message }) => resolve(message.value as Buffer) }));

    expect(bytes[0]).toBe(0);
    expect(bytes.readInt32BE(1)).toBe(id);
    const official = new AvroDeserializer(client, SerdeType.VALUE, {});
    const decoded = (await official.deserialize(topic, bytes)) as Record<string, unknown>;
    expect(decoded).toMatchObject({ path: measurement.path, kind: 'energy', value: 1234.5, unit: 'kWh' });
    expect(await codec.decode(bytes)).toEqual(measurement);
  });

  it('sets BACKWARD compatibility and refuses an incompatible new version', async () => {
    const subject = `${uniqueName('test.compat')}-value`;
    const v1 = new AvroCodec<{ a: string }>(client, subject, JSON.stringify({ type: 'record', name: 'R', fields: [{ name: 'a', type: 'string' }] }));
    await v1.register();
    const config = await client.getCompatibility(subject);
    expect(config).toBe('BACKWARD');
    // a new required field without a default cannot read old records: not backward compatible
    const incompatible = JSON.stringify({ type: 'record', name: 'R', fields: [{ name: 'a', type: 'string' }, { name: 'b', type: 'int' }] });
    expect(await client.testCompatibility(subject, -1, { schemaType: 'AVRO', schema: incompatible })).toBe(false);
    await expect(new AvroCodec(client, subject, incompatible).register()).rejects.toMatchObject({ code: 'REGISTRY_REJECTED' });
  });

  it('decodes records written with an older registered version into the current shape', async () => {
    const subject = `${uniqueName('test.evolve')}-value`;
    const old = new AvroCodec<{ a: string }>(client, subject, JSON.stringify({ type: 'record', name: 'R', fields: [{ name: 'a', type: 'string' }] }));
    await old.register();
    const current = new AvroCodec<{ a: string; b: number }>(
      client, subject, JSON.stringify({ type: 'record', name: 'R', fields: [{ name: 'a', type: 'string' }, { name: 'b', type: 'int', default: 7 }] }),
    );
    await current.register();
    expect(await current.decode(old.encode({ a: 'x' }))).toEqual({ a: 'x', b: 7 });
  });
});

describe('the schemas in schemas/avro', () => {
  const client = createRegistryClient(testSettings().schemaRegistryUrl);

  // Guards releases: an edit that breaks BACKWARD compatibility with what the
  // registry already holds for a subject fails here, before any producer uses it.
  it.each(subjectCatalogue())('$subject is compatible with its last registered version', async ({ subject, record }) => {
    const schema = { schemaType: 'AVRO', schema: avroSchemas[record] };
    const registered = await client.getAllVersions(subject).catch(() => [] as number[]);
    if (registered.length > 0) {
      expect(await client.testCompatibility(subject, -1, schema)).toBe(true);
    } else {
      // nothing registered yet: the schema must at least parse as Avro
      expect(() => avro.Type.forSchema(JSON.parse(avroSchemas[record]) as avro.Schema)).not.toThrow();
    }
  });
});
