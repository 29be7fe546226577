import { Partitioners, type PartitionMetadata } from 'kafkajs';
import { rememberingPartitioner } from './kafka';

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
