import { KafkaJSError, type Producer, type Transaction } from 'kafkajs';
import { componentLogger } from './logger';
import { commitTransaction, pushOutputs, type TopicOutputs, type TransactionTarget } from './kafka-transaction';

type Step = 'sendBatch' | 'sendOffsets' | 'commit';

/**
 * A producer whose transactions record what they were asked, and fail at the steps `failures` names, one entry per
 * transaction: an error fails every call of its step, a list the step's successive calls (then they succeed).
 */
function scriptedProducer(failures: (Partial<Record<Step, Error | Error[]>> | undefined)[]) {
  const calls: string[] = [];
  let transactions = 0;
  const producer: Pick<Producer, 'transaction'> = {
    transaction: async () => {
      const failure = failures[transactions++] ?? {};
      const step = (name: Step, detail: string) => async () => {
        calls.push(`${transactions}:${name}${detail}`);
        const planned = failure[name];
        const error = Array.isArray(planned) ? planned.shift() : planned;
        if (error) throw error;
      };
      return {
        sendBatch: async (batch: { topicMessages: { topic: string; messages: unknown[] }[] }) => step('sendBatch', ` ${batch.topicMessages.map((t) => `${t.topic}x${t.messages.length}`).join(',')}`)(),
        sendOffsets: async (offsets: { topics: { partitions: { partition: number; offset: string }[] }[] }) => step('sendOffsets', ` ${offsets.topics[0]!.partitions.map((p) => `${p.partition}@${p.offset}`).join(',')}`)(),
        commit: async () => step('commit', '')(),
        abort: async () => void calls.push(`${transactions}:abort`),
      } as unknown as Transaction;
    },
  };
  return { producer, calls };
}

const target = (producer: Pick<Producer, 'transaction'>): TransactionTarget => ({ producer, groupId: 'g', inputTopic: 'in', log: componentLogger('stage-transaction-test'), retryDelayMs: () => 0 });
const outputs = () => new Map([['out', [{ key: 'a', value: 'x' }, { key: 'b', value: 'y' }]], ['state', [{ key: 's', value: null, partition: 1 }]]]);
const concurrent = () => Object.assign(new KafkaJSError('CONCURRENT_TRANSACTIONS', { retriable: false }), { type: 'CONCURRENT_TRANSACTIONS' });

describe('commitTransaction', () => {
  it('sends the outputs, then the consumed offsets, then commits: one transaction', async () => {
    const { producer, calls } = scriptedProducer([]);
    await commitTransaction(target(producer), outputs(), [{ partition: 1, offset: '42' }]);
    expect(calls).toEqual(['1:sendBatch outx2,statex1', '1:sendOffsets 1@42', '1:commit']);
  });

  it('does not open a transaction with nothing to send', async () => {
    const { producer, calls } = scriptedProducer([]);
    await commitTransaction(target(producer), new Map(), []);
    expect(calls).toEqual([]);
  });

  it('asks again, within the same transaction, to add the offsets while the coordinator is still busy with the previous one (CONCURRENT_TRANSACTIONS)', async () => {
    const { producer, calls } = scriptedProducer([{ sendOffsets: [concurrent(), concurrent()] }]);
    await commitTransaction(target(producer), outputs(), [{ partition: 0, offset: '7' }]);
    expect(calls).toEqual(['1:sendBatch outx2,statex1', '1:sendOffsets 0@7', '1:sendOffsets 0@7', '1:sendOffsets 0@7', '1:commit']);
  });

  it('aborts and tries the whole transaction again when adding the offsets stays refused, or another step fails retriably', async () => {
    const { producer, calls } = scriptedProducer([{ sendOffsets: concurrent() }, { commit: new KafkaJSError('lost the coordinator', { retriable: true }) }]);
    await commitTransaction(target(producer), outputs(), [{ partition: 0, offset: '7' }]);
    expect(calls).toEqual([
      '1:sendBatch outx2,statex1', ...Array.from({ length: 8 }, () => '1:sendOffsets 0@7'), '1:abort',
      '2:sendBatch outx2,statex1', '2:sendOffsets 0@7', '2:commit', '2:abort',
      '3:sendBatch outx2,statex1', '3:sendOffsets 0@7', '3:commit',
    ]);
  });

  it('aborts and throws at once on an error retrying cannot help', async () => {
    const fatal = new KafkaJSError('MESSAGE_TOO_LARGE', { retriable: false });
    const { producer, calls } = scriptedProducer([{ sendBatch: fatal }]);
    await expect(commitTransaction(target(producer), outputs())).rejects.toBe(fatal);
    expect(calls).toEqual(['1:sendBatch outx2,statex1', '1:abort']);
  });

  it('gives up after five attempts, so the caller throws the work away', async () => {
    const { producer, calls } = scriptedProducer(Array.from({ length: 6 }, () => ({ commit: concurrent() })));
    await expect(commitTransaction(target(producer), outputs())).rejects.toMatchObject({ type: 'CONCURRENT_TRANSACTIONS' });
    expect(calls.filter((c) => c.endsWith(':abort'))).toHaveLength(5);
  });
});

describe('pushOutputs', () => {
  it('appends in order, and takes a million messages at once onto a list (a rollup stage closing thousands of windows at once tombstones that many chunks)', () => {
    const outputs: TopicOutputs = new Map();
    pushOutputs(outputs, 't', [{ key: 'a', value: '1' }]);
    const many = Array.from({ length: 1_000_000 }, (_, i) => ({ key: `k${i}`, value: null }));
    pushOutputs(outputs, 't', many);
    pushOutputs(outputs, 'u', []);
    expect(outputs.get('t')).toHaveLength(1_000_001);
    expect(outputs.get('t')![1]).toEqual({ key: 'k0', value: null });
    expect(outputs.has('u')).toBe(false);
  });
});
