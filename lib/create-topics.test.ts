import type { Admin } from 'kafkajs';
import { createTopicsAndWait } from './create-topics';

/** An admin whose metadata answers come from a script: the cluster's view of a topic it just created. */
type MetadataAnswer = () => { topics: { name: string; partitions: { leader: number }[] }[] };

function scriptedAdmin(answers: MetadataAnswer[]): Admin & { metadataCalls: number } {
  const admin: { metadataCalls: number; createTopics: jest.Mock; fetchTopicMetadata: jest.Mock } = {
    metadataCalls: 0,
    createTopics: jest.fn(async () => true),
    fetchTopicMetadata: jest.fn(async () => {
      const answer = answers[Math.min(admin.metadataCalls, answers.length - 1)]!;
      admin.metadataCalls++;
      return answer();
    }),
  };
  return admin as unknown as Admin & { metadataCalls: number };
}

const unknownTopic = (): never => {
  throw Object.assign(new Error('This server does not host this topic-partition'), { type: 'UNKNOWN_TOPIC_OR_PARTITION' });
};
const wrapped = (): never => {
  throw Object.assign(new Error('Number of retries exceeded'), { originalError: { type: 'LEADER_NOT_AVAILABLE' } });
};
const ready = () => ({ topics: [{ name: 't', partitions: [{ leader: 1 }, { leader: 1 }] }] });

describe('createTopicsAndWait', () => {
  it('waits through UNKNOWN_TOPIC_OR_PARTITION, wrapped errors and leaderless partitions until every partition has a leader', async () => {
    const admin = scriptedAdmin([unknownTopic, wrapped, () => ({ topics: [{ name: 't', partitions: [{ leader: 1 }, { leader: -1 }] }] }), ready]);
    await expect(createTopicsAndWait(admin, [{ topic: 't', numPartitions: 2 }], { pollMs: 1 })).resolves.toBe(true);
    expect(admin.metadataCalls).toBe(4);
    expect(admin.createTopics).toHaveBeenCalledWith({ waitForLeaders: false, topics: [{ topic: 't', numPartitions: 2 }] });
  });

  it('gives up after the timeout, naming what it waited for', async () => {
    const admin = scriptedAdmin([unknownTopic]);
    await expect(createTopicsAndWait(admin, [{ topic: 't' }], { pollMs: 1, timeoutMs: 20 })).rejects.toThrow(/topics t created, but not ready after 0.02 s: UNKNOWN_TOPIC_OR_PARTITION/);
  });

  it('passes on any other error at once', async () => {
    const admin = scriptedAdmin([
      () => {
        throw Object.assign(new Error('not authorized'), { type: 'TOPIC_AUTHORIZATION_FAILED' });
      },
    ]);
    await expect(createTopicsAndWait(admin, [{ topic: 't' }], { pollMs: 1 })).rejects.toThrow('not authorized');
    expect(admin.metadataCalls).toBe(1);
  });
});
