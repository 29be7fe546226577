import { ConfigResourceTypes, type Admin } from 'kafkajs';
import { createTopicsAndWait } from '../lib/create-topics';
import { avroSchemas, type RecordName } from './avro-schemas';
import type { RegistryClient } from './registry-client';
import { describeSubjectChange, ensureSubject, type SubjectChange } from './subject-registration';
import type { TopicSpec } from './topics';

export type TopicChange =
  | { topic: string; change: 'created'; partitions: number }
  | { topic: string; change: 'partitions'; from: number; to: number }
  | { topic: string; change: 'config'; key: string; from: string | undefined; to: string }
  | { topic: string; change: 'partitions-kept'; have: number; want: number };

/**
 * Makes the cluster match the catalogue, idempotently: creates missing topics,
 * adds partitions (never removes them: Kafka cannot), and sets configuration
 * that differs. Returns what it changed; an empty list means nothing did.
 */
export async function applyTopics(admin: Admin, specs: TopicSpec[], replicationFactor = 1): Promise<TopicChange[]> {
  const changes: TopicChange[] = [];
  const existing = new Set(await admin.listTopics());
  const missing = specs.filter((spec) => !existing.has(spec.name));
  if (missing.length > 0) {
    await createTopicsAndWait(
      admin,
      missing.map((spec) => ({
        topic: spec.name,
        numPartitions: spec.partitions,
        replicationFactor,
        configEntries: Object.entries(spec.config).map(([name, value]) => ({ name, value })),
      })),
    );
    for (const spec of missing) changes.push({ topic: spec.name, change: 'created', partitions: spec.partitions });
  }

  const present = specs.filter((spec) => existing.has(spec.name));
  if (present.length === 0) return changes;
  const metadata = await admin.fetchTopicMetadata({ topics: present.map((spec) => spec.name) });
  const grow: { topic: string; count: number }[] = [];
  for (const spec of present) {
    const have = metadata.topics.find((t) => t.name === spec.name)?.partitions.length ?? 0;
    if (have < spec.partitions) {
      grow.push({ topic: spec.name, count: spec.partitions });
      changes.push({ topic: spec.name, change: 'partitions', from: have, to: spec.partitions });
    } else if (have > spec.partitions) {
      changes.push({ topic: spec.name, change: 'partitions-kept', have, want: spec.partitions });
    }
  }
  if (grow.length > 0) await admin.createPartitions({ topicPartitions: grow });

  const described = await admin.describeConfigs({
    includeSynonyms: false,
    resources: present.map((spec) => ({ type: ConfigResourceTypes.TOPIC, name: spec.name })),
  });
  for (const spec of present) {
    const entries = described.resources.find((r) => r.resourceName === spec.name)?.configEntries ?? [];
    const differing = Object.entries(spec.config).filter(([key, value]) => entries.find((e) => e.configName === key)?.configValue !== value);
    if (differing.length === 0) continue;
    // AlterConfigs replaces the topic's whole set of overrides: send all of ours.
    await admin.alterConfigs({
      validateOnly: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: spec.name, configEntries: Object.entries(spec.config).map(([name, value]) => ({ name, value })) }],
    });
    for (const [key, value] of differing) {
      changes.push({ topic: spec.name, change: 'config', key, from: entries.find((e) => e.configName === key)?.configValue, to: value });
    }
  }
  return changes;
}

/**
 * Registers the value schema of every subject in the catalogue and sets its
 * compatibility, so components starting later find them; idempotent like
 * `applyTopics`, and returns what it changed.
 */
export async function applySubjects(client: RegistryClient, subjects: { subject: string; record: RecordName }[]): Promise<SubjectChange[]> {
  const changes: SubjectChange[] = [];
  for (const { subject, record } of subjects) changes.push(...(await ensureSubject(client, subject, avroSchemas[record])).changes);
  return changes;
}

export function describeChange(change: TopicChange | SubjectChange): string {
  if ('subject' in change) return describeSubjectChange(change);
  switch (change.change) {
    case 'created':
      return `created ${change.topic} (${change.partitions} partitions)`;
    case 'partitions':
      return `${change.topic}: partitions ${change.from} -> ${change.to}`;
    case 'config':
      return `${change.topic}: ${change.key} ${change.from ?? '(default)'} -> ${change.to}`;
    case 'partitions-kept':
      return `${change.topic}: has ${change.have} partitions, catalogue says ${change.want}; Kafka cannot remove partitions, left as is`;
  }
}
