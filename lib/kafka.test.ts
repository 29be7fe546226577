import { Writable } from 'node:stream';
import { Partitioners, type PartitionMetadata } from 'kafkajs';
import pino from 'pino';
import { createKafka, rememberingPartitioner, withSessionTimeout } from './kafka';

const partitions = (n: number): PartitionMetadata[] =>
  Array.from({ length: n }, (_, partitionId) => ({ partitionId, leader: 0, replicas: [0], isr: [0], offlineReplicas: [], partitionErrorCode: 0 }));

describe('rememberingPartitioner', () => {
  it('agrees with the Java-compatible murmur2 partitioner, per topic and partition count', () => {
    const remembering = rememberingPartitioner();
    const murmur2 = Partitioners.DefaultPartitioner();
    for (const count of [1, 6, 7]) {
      for (let i = 0; i < 500; i++) {
        const message = { key: `/tenant-01/site-${i % 7}/device-${i}/energy_kwh`, value: 'x' };
        const args = { topic: `t${count}`, partitionMetadata: partitions(count), message };
        const expected = murmur2(args);
        expect(remembering(args)).toBe(expected);
        expect(remembering(args)).toBe(expected); // from memory the second time
      }
    }
  });

  it('leaves an explicit partition and a Buffer key to murmur2', () => {
    const remembering = rememberingPartitioner();
    const metadata = partitions(6);
    expect(remembering({ topic: 't', partitionMetadata: metadata, message: { key: 'k', value: 'x', partition: 4 } })).toBe(4);
    const bufferKey = { key: Buffer.from('/a/b/c/d'), value: 'x' };
    expect(remembering({ topic: 't', partitionMetadata: metadata, message: bufferKey }))
      .toBe(Partitioners.DefaultPartitioner()({ topic: 't', partitionMetadata: metadata, message: bufferKey }));
  });
});

describe('withSessionTimeout', () => {
  it("puts the client's session timeout in place of the consumer's own, heartbeats at most a third of it apart", () => {
    expect(withSessionTimeout({ groupId: 'g', sessionTimeout: 10_000, heartbeatInterval: 1000 }, 5000)).toEqual({ groupId: 'g', sessionTimeout: 5000, heartbeatInterval: 1000 });
    expect(withSessionTimeout({ groupId: 'g' }, 3000)).toEqual({ groupId: 'g', sessionTimeout: 3000, heartbeatInterval: 1000 });
    expect(withSessionTimeout({ groupId: 'g', heartbeatInterval: 3000 }, 60_000)).toEqual({ groupId: 'g', sessionTimeout: 60_000, heartbeatInterval: 3000 });
  });

  it("leaves the consumer's own when the client has none", () => {
    expect(withSessionTimeout({ groupId: 'g', sessionTimeout: 30_000 }, undefined)).toEqual({ groupId: 'g', sessionTimeout: 30_000 });
  });
});

describe("createKafka's log lines", () => {
  it('keeps errors errors, but logs the retried CONCURRENT_TRANSACTIONS answer at debug', () => {
    const lines: { level: number; msg: string }[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()) as { level: number; msg: string });
        done();
      },
    });
    const kafka = createKafka({ brokers: ['127.0.0.1:1'], clientId: 'log-test', logger: pino({ level: 'debug' }, sink) });
    const concurrent = 'The producer attempted to update a transaction while another concurrent operation on the same transaction was ongoing';
    kafka.logger().error(`Failed to send messages: ${concurrent}`, { retryCount: 0, retryTime: 20 });
    kafka.logger().error('Response AddPartitionsToTxn(key: 24, version: 1)', { error: concurrent });
    kafka.logger().error('Crash: KafkaJSNumberOfRetriesExceeded', { error: 'Connection refused' });
    expect(lines.map((l) => [l.level, l.msg.slice(0, 24)])).toEqual([
      [20, 'Failed to send messages:'],
      [20, 'Response AddPartitionsTo'],
      [50, 'Crash: KafkaJSNumberOfRe'],
    ]);
  });
});
