import { Compatibility } from '@confluentinc/schemaregistry/dist/schemaregistry-client';
import { classifyRegistryAnswer, registryError } from './registry-answer';
import type { RegistryClient } from './registry-client';

export type SubjectChange =
  | { subject: string; change: 'compatibility'; from: string | undefined; to: string }
  | { subject: string; change: 'registered'; id: number };

/**
 * Makes the registry hold `schema` under `subject`, with the subject's
 * compatibility set (BACKWARD unless told), and returns the schema's id and
 * what had to change. Reads first and writes only what differs, so any number
 * of processes can run it at once for a subject none of them has seen: the
 * loser of a creation race gets a 409 (see registry-answer.ts), looks up what
 * the winner wrote, and only a second 409 is the registry's refusal.
 */
export async function ensureSubject(
  client: RegistryClient,
  subject: string,
  schema: string,
  compatibility: Compatibility = Compatibility.BACKWARD,
): Promise<{ id: number; changes: SubjectChange[] }> {
  const changes: SubjectChange[] = [];
  const from = await currentCompatibility(client, subject);
  if (from !== compatibility) {
    const set = await writeOrFind(
      async () => {
        await client.updateConfig(subject, { compatibility });
        return true;
      },
      async () => ((await currentCompatibility(client, subject)) === compatibility ? true : undefined),
      `setting the compatibility of ${subject} to ${compatibility}`,
    );
    if (set.wrote) changes.push({ subject, change: 'compatibility', from, to: compatibility });
  }

  const info = { schemaType: 'AVRO', schema };
  const found = await lookupId(client, subject, info);
  if (found !== undefined) return { id: found, changes };
  const registered = await writeOrFind(() => client.register(subject, info, false), () => lookupId(client, subject, info), `registering ${subject}`);
  if (registered.wrote) changes.push({ subject, change: 'registered', id: registered.value });
  return { id: registered.value, changes };
}

/**
 * Runs `write`; after a 409 returns what `find` sees instead. When `find` sees
 * nothing yet, the 409 came from a concurrent creation with other content (the
 * subject now exists), so `write` runs once more and its 409 then stands.
 */
async function writeOrFind<T>(write: () => Promise<T>, find: () => Promise<T | undefined>, doing: string): Promise<{ value: T; wrote: boolean }> {
  for (let attempt = 1; ; attempt++) {
    try {
      return { value: await write(), wrote: true };
    } catch (error) {
      if (classifyRegistryAnswer(error) !== 'conflict') throw registryError(error, doing);
      const existing = await find();
      if (existing !== undefined) return { value: existing, wrote: false };
      if (attempt === 2) throw registryError(error, doing);
    }
  }
}

/** The subject's compatibility, or undefined when it has none of its own (Confluent, Karapace) or does not exist (Apicurio). */
async function currentCompatibility(client: RegistryClient, subject: string): Promise<string | undefined> {
  try {
    return (await client.getConfig(subject)).compatibilityLevel;
  } catch (error) {
    if (classifyRegistryAnswer(error) === 'not-found') return undefined;
    throw registryError(error, `reading the compatibility of ${subject}`);
  }
}

/** The id under which `subject` holds `info`, or undefined when it does not (404: no such subject, or not this schema). */
async function lookupId(client: RegistryClient, subject: string, info: { schemaType: string; schema: string }): Promise<number | undefined> {
  try {
    return await client.getId(subject, info, false);
  } catch (error) {
    if (classifyRegistryAnswer(error) === 'not-found') return undefined;
    throw registryError(error, `looking up the schema of ${subject}`);
  }
}

export function describeSubjectChange(change: SubjectChange): string {
  switch (change.change) {
    case 'compatibility':
      return `${change.subject}: compatibility ${change.from ?? '(registry default)'} -> ${change.to}`;
    case 'registered':
      return `registered ${change.subject} (schema id ${change.id})`;
  }
}
