/**
 * kafkajs as patched by patches/kafkajs+2.2.4.patch (applied by patch-package
 * on install): the patched encoding and decoding must give the bytes and values
 * of the Kafka protocol, which a BigInt reference and round trips check here;
 * an idle connection's request queue must run no timer.
 */
/* eslint-disable @typescript-eslint/no-require-imports -- kafkajs's internals are CommonJS modules without types */
interface EncoderInstance {
  writeVarInt(value: number): EncoderInstance;
  writeVarLong(value: number): EncoderInstance;
  buffer: Buffer;
}
interface EncoderClass {
  new (initialSize?: number): EncoderInstance;
  sizeOfVarLong(value: number): number;
}
const Encoder = require('kafkajs/src/protocol/encoder') as EncoderClass;
const Decoder = require('kafkajs/src/protocol/decoder') as new (buffer: Buffer) => unknown;
const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0') as { RecordBatch(args: object): Promise<EncoderInstance> };
const Record = require('kafkajs/src/protocol/recordBatch/record/v0') as (args: object) => EncoderInstance;
const decodeRecordBatch = require('kafkajs/src/protocol/recordBatch/v0/decoder') as (decoder: unknown) => Promise<{
  records: { offset: string; timestamp: string; key: Buffer; value: Buffer; headers: Record<string, Buffer> }[];
}>;
interface RequestQueueInstance {
  push(request: { entry: { correlationId: number; resolve(response: unknown): void; reject(error: unknown): void }; expectResponse: boolean; sendRequest(): void }): void;
  fulfillRequest(response: { correlationId: number; payload: Buffer; size: number }): void;
  maybeThrottle(ms: number): void;
  destroy(): void;
}
const RequestQueue = require('kafkajs/src/network/requestQueue') as new (options: object) => RequestQueueInstance;
const groupMessagesPerPartition = require('kafkajs/src/producer/groupMessagesPerPartition') as (args: object) => Record<string, { key: string }[]>;
/* eslint-enable @typescript-eslint/no-require-imports */

/** Zigzag then LEB128 over 64 bits, as the Kafka protocol defines varlongs. */
function referenceVarLong(value: bigint): Buffer {
  let zigzag = BigInt.asUintN(64, (value << 1n) ^ (value >> 63n));
  const bytes: number[] = [];
  while (zigzag >= 0x80n) {
    bytes.push(Number(zigzag & 0x7fn) | 0x80);
    zigzag >>= 7n;
  }
  bytes.push(Number(zigzag));
  return Buffer.from(bytes);
}

const values = [0, 1, -1, 63, -64, 64, -65, 8191, 2 ** 27 - 1, 2 ** 27, -(2 ** 27), 2 ** 28, 2 ** 30, 2 ** 31 - 1, -(2 ** 31), 2 ** 31, -(2 ** 31) - 1, 2 ** 40, -(2 ** 40), 1_764_547_200_123, Number.MAX_SAFE_INTEGER];

describe('patched kafkajs encoder', () => {
  it('writes varlongs and their sizes as the protocol defines them, in and beyond int32', () => {
    for (const value of values) {
      const expected = referenceVarLong(BigInt(value));
      expect([value, new Encoder().writeVarLong(value).buffer]).toEqual([value, expected]);
      expect([value, Encoder.sizeOfVarLong(value)]).toEqual([value, expected.length]);
    }
  });

  it('writes varints in place, after what the encoder holds, growing it when full', () => {
    const encoder = new Encoder(1);
    const int32s = values.filter((v) => (v | 0) === v);
    for (const value of int32s) encoder.writeVarInt(value);
    expect(encoder.buffer).toEqual(Buffer.concat(int32s.map((v) => referenceVarLong(BigInt(v)))));
  });
});

describe('patched kafkajs record batches', () => {
  it('round-trip offsets and timestamps, small deltas as numbers and large ones through Long', async () => {
    const firstTimestamp = 1_764_547_200_000;
    const deltas = [0, 1, 5000, 2 ** 27 + 3, 2 ** 28 + 7, 2 ** 35, -1, -(2 ** 29)];
    const records = deltas.map((timestampDelta, offsetDelta) =>
      Record({ offsetDelta, timestampDelta, key: `/t/s/d/m${offsetDelta}`, value: Buffer.from([offsetDelta]), headers: offsetDelta === 2 ? { h: 'v' } : {} }),
    );
    for (const firstOffset of ['0', '123456789', '9007199254740993']) {
      // an offset past 2^53 must take the Long path and stay exact
      const batch = await RecordBatch({ firstOffset, firstTimestamp, maxTimestamp: firstTimestamp + 2 ** 35, records, lastOffsetDelta: records.length - 1 });
      const decoded = await decodeRecordBatch(new Decoder(batch.buffer));
      expect(decoded.records.map((r) => [r.offset, r.timestamp, r.key.toString(), r.value[0]])).toEqual(
        deltas.map((delta, i) => [(BigInt(firstOffset) + BigInt(i)).toString(), String(firstTimestamp + delta), `/t/s/d/m${i}`, i]),
      );
      expect(decoded.records[2]!.headers).toEqual({ h: Buffer.from('v') });
    }
  });

  it('groups a send by partition keeping each partition\'s order', () => {
    const messages = Array.from({ length: 1000 }, (_, i) => ({ key: String(i) }));
    const grouped = groupMessagesPerPartition({
      topic: 't',
      partitionMetadata: [{}, {}, {}],
      messages,
      partitioner: ({ message }: { message: { key: string } }) => Number(message.key) % 3,
    });
    expect(Object.keys(grouped).sort()).toEqual(['0', '1', '2']);
    for (const [partition, inPartition] of Object.entries(grouped)) {
      expect(inPartition).toEqual(messages.filter((m) => Number(m.key) % 3 === Number(partition)));
    }
  });
});

describe('patched kafkajs request queue', () => {
  afterEach(() => jest.useRealTimers());
  const silent = { debug: () => undefined, warn: () => undefined, info: () => undefined, error: () => undefined };
  const queue = () => new RequestQueue({ maxInFlightRequests: null, requestTimeout: 30_000, enforceRequestTimeout: false, clientId: 'test', broker: 'b:9092', logger: silent });

  it('runs no timer once its requests are answered (kafkajs#1556: a 1 ms timer per idle connection)', () => {
    jest.useFakeTimers();
    const requests = queue();
    const sent: number[] = [];
    requests.push({ entry: { correlationId: 1, resolve: () => undefined, reject: () => undefined }, expectResponse: true, sendRequest: () => sent.push(1) });
    requests.fulfillRequest({ correlationId: 1, payload: Buffer.alloc(0), size: 0 });
    expect(sent).toEqual([1]);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('still sends a request held back by throttling once the throttle ends', () => {
    jest.useFakeTimers();
    const requests = queue();
    const sent: number[] = [];
    requests.maybeThrottle(50);
    requests.push({ entry: { correlationId: 2, resolve: () => undefined, reject: () => undefined }, expectResponse: true, sendRequest: () => sent.push(2) });
    expect(sent).toEqual([]);
    jest.advanceTimersByTime(60);
    expect(sent).toEqual([2]);
    requests.fulfillRequest({ correlationId: 2, payload: Buffer.alloc(0), size: 0 });
    expect(jest.getTimerCount()).toBe(0);
    requests.destroy();
  });
});
