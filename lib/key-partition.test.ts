import { Partitioners } from 'kafkajs';
import { partitionForKey } from './key-partition';

describe('partitionForKey', () => {
  it("is kafkajs's default (murmur2) partitioner, asked once or many times, for any partition count", () => {
    const murmur2 = Partitioners.DefaultPartitioner();
    const keys = Array.from({ length: 2000 }, (_, i) => `/tenant-${i % 7}/site/device-${i}/energy_kwh`).concat(['', 'ü/€/😀', 'a']);
    for (const partitions of [1, 3, 6, 12, 100]) {
      const partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({ partitionId, leader: 0, replicas: [0], isr: [0], partitionErrorCode: 0 }));
      const expected = keys.map((key) => murmur2({ topic: 't', partitionMetadata, message: { key, value: null } }));
      for (let round = 0; round < 2; round++) expect(keys.map((key) => partitionForKey(key, partitions))).toEqual(expected);
      // spread over the partitions, not all in one
      expect(new Set(expected).size).toBe(partitions);
    }
  });
});
