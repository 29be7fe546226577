import { readSchemaId } from './avro-codec';

describe('readSchemaId (Confluent wire format header)', () => {
  it('reads the big-endian schema id after the magic byte', () => {
    expect(readSchemaId(Buffer.from([0, 0, 0, 1, 2, 0xaa]))).toBe(258);
  });

  it.each([
    ['an empty buffer', Buffer.alloc(0)],
    ['a buffer shorter than the header', Buffer.from([0, 0, 1])],
    ['a wrong magic byte', Buffer.from([1, 0, 0, 0, 1, 0])],
  ])('rejects %s with RECORD_UNDECODABLE', (_what, buffer) => {
    expect(() => readSchemaId(buffer)).toThrow(expect.objectContaining({ code: 'RECORD_UNDECODABLE' }));
  });
});
