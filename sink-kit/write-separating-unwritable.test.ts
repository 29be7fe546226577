import type { Batch, KafkaMessage } from 'kafkajs';
import { FleetstreamError } from '../lib/errors';
import { writeSeparatingUnwritable } from './write-separating-unwritable';

const batch = { topic: 'fleet.measurements.v1', partition: 3 } as Batch;
const records = (units: string[]) => units.map((unit, i) => ({ message: { offset: String(i) } as KafkaMessage, value: unit }));

/** A store that refuses, all or nothing, any write holding a unit with a NUL byte. */
function store() {
  const stored: string[] = [];
  let writes = 0;
  return {
    stored,
    writes: () => writes,
    async write(units: string[]) {
      writes++;
      if (units.some((u) => u.includes('\u0000'))) throw new FleetstreamError('RECORD_UNWRITABLE', 'invalid byte sequence for encoding "UTF8": 0x00');
      stored.push(...units);
    },
  };
}

describe('writeSeparatingUnwritable', () => {
  it('writes every record but the unwritable ones, which it returns with reason unwritable', async () => {
    const units = ['kWh', 'k\u0000Wh', 'V', 'A', 'W', 'Hz', '\u0000', '°C', 'bar'];
    const s = store();
    const rejected = await writeSeparatingUnwritable(batch, records(units), (values) => s.write(values));
    expect(s.stored.sort()).toEqual(units.filter((u) => !u.includes('\u0000')).sort());
    expect(rejected.map((r) => [r.message.offset, r.reason, r.topic, r.partition, (r.error as FleetstreamError).code]))
      .toEqual([['1', 'unwritable', batch.topic, 3, 'RECORD_UNWRITABLE'], ['6', 'unwritable', batch.topic, 3, 'RECORD_UNWRITABLE']]);
  });

  it('writes a clean batch in one write', async () => {
    const s = store();
    expect(await writeSeparatingUnwritable(batch, records(['a', 'b', 'c']), (values) => s.write(values))).toEqual([]);
    expect(s.writes()).toBe(1);
  });

  it('finds one bad record among 1024 in a few dozen writes', async () => {
    const units = Array.from({ length: 1024 }, (_, i) => (i === 700 ? 'x\u0000' : `u${i}`));
    const s = store();
    const rejected = await writeSeparatingUnwritable(batch, records(units), (values) => s.write(values));
    expect(rejected.map((r) => r.message.offset)).toEqual(['700']);
    expect(s.stored).toHaveLength(1023);
    expect(s.writes()).toBeLessThanOrEqual(1 + 2 * 10);
  });

  it('throws any other error, for the whole batch to be retried', async () => {
    const down = new FleetstreamError('DATABASE_UNAVAILABLE', 'connect ECONNREFUSED');
    await expect(writeSeparatingUnwritable(batch, records(['a']), () => Promise.reject(down))).rejects.toBe(down);
    const plain = new Error('Connection terminated unexpectedly');
    await expect(writeSeparatingUnwritable(batch, records(['a', 'b']), () => Promise.reject(plain))).rejects.toBe(plain);
  });

  it('writes nothing for an empty batch', async () => {
    const s = store();
    expect(await writeSeparatingUnwritable(batch, records([]), (values) => s.write(values))).toEqual([]);
    expect(s.writes()).toBe(0);
  });
});
