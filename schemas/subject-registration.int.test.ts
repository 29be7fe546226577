import { createServer } from 'node:net';
import { testSettings, uniqueName } from '../test/factories';
import { AvroCodec } from './avro-codec';
import { avroSchemas } from './avro-schemas';
import { createRegistryClient } from './registry-client';
import { ensureSubject } from './subject-registration';

/** A port nothing listens on: taken from the OS, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('registering a subject', () => {
  // `make demo`'s first run: every component registered fleet.deadletter.v1-value at once, and the
  // registry answered the losers 409 "already exists" (the subject, then its COMPATIBILITY rule)
  it('succeeds for every process that registers the same new subject at once, all with its one id', async () => {
    const subject = `${uniqueName('test.race')}-value`;
    // one client each, as separate processes have: no client cache or lock is shared
    const codecs = Array.from({ length: 8 }, () => new AvroCodec(createRegistryClient(testSettings().schemaRegistryUrl), subject, avroSchemas.DeadLetter));
    const outcomes = await Promise.allSettled(codecs.map((codec) => codec.register()));

    expect(outcomes.filter((o) => o.status === 'rejected')).toEqual([]);
    const ids = outcomes.map((o) => (o as PromiseFulfilledResult<number>).value);
    expect(new Set(ids).size).toBe(1);
    const client = createRegistryClient(testSettings().schemaRegistryUrl);
    expect(await client.getCompatibility(subject)).toBe('BACKWARD');
    expect(await client.getId(subject, { schemaType: 'AVRO', schema: avroSchemas.DeadLetter }, false)).toBe(ids[0]);
  });

  it('reports what it changed the first time, and nothing the second', async () => {
    const subject = `${uniqueName('test.ensure')}-value`;
    const client = createRegistryClient(testSettings().schemaRegistryUrl);
    const first = await ensureSubject(client, subject, avroSchemas.Rollup);
    expect(first.changes).toEqual([
      { subject, change: 'compatibility', from: undefined, to: 'BACKWARD' },
      { subject, change: 'registered', id: first.id },
    ]);
    // a fresh client: the answer comes from the registry, not from the first client's cache
    expect(await ensureSubject(createRegistryClient(testSettings().schemaRegistryUrl), subject, avroSchemas.Rollup)).toEqual({ id: first.id, changes: [] });
  });

  it('is REGISTRY_UNAVAILABLE, retriable, when the registry cannot be reached', async () => {
    const client = createRegistryClient(`http://127.0.0.1:${await closedPort()}/apis/ccompat/v7`);
    await expect(ensureSubject(client, 'unreachable-value', avroSchemas.Rollup)).rejects.toMatchObject({ code: 'REGISTRY_UNAVAILABLE', retriable: true });
  });
});
