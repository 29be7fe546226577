import { chunkTopicMessages } from './send-chunks';

const message = (key: string, bytes: number) => ({ key, value: 'x'.repeat(bytes) });

describe('chunkTopicMessages', () => {
  it('keeps a small transaction in one send', () => {
    const sends = chunkTopicMessages([{ topic: 'a', messages: [message('k1', 10)] }, { topic: 'b', messages: [message('k2', 10)] }], 1000);
    expect(sends).toEqual([[{ topic: 'a', messages: [message('k1', 10)] }, { topic: 'b', messages: [message('k2', 10)] }]]);
  });

  it('splits by bytes, keeping every topic\'s messages in order and none twice', () => {
    const messages = Array.from({ length: 100 }, (_, i) => message(`k${i}`, 100));
    const sends = chunkTopicMessages([{ topic: 'state', messages }, { topic: 'out', messages: [message('o', 5)] }], 1000);
    expect(sends.length).toBeGreaterThan(10);
    for (const send of sends) {
      const bytes = send.flatMap((t) => t.messages).reduce((n, m) => n + 32 + String(m.key).length + String(m.value).length, 0);
      expect(bytes).toBeLessThanOrEqual(1000);
    }
    expect(sends.flatMap((send) => send.filter((t) => t.topic === 'state').flatMap((t) => t.messages))).toEqual(messages);
    expect(sends.at(-1)).toContainEqual({ topic: 'out', messages: [message('o', 5)] });
  });

  it('sends a message larger than the limit alone, and a tombstone counts its key only', () => {
    const sends = chunkTopicMessages([{ topic: 't', messages: [message('a', 10), message('big', 5000), { key: 'gone', value: null }] }], 1000);
    expect(sends.map((send) => send[0]!.messages.map((m) => m.key))).toEqual([['a'], ['big'], ['gone']]);
  });
});
