import avro from 'avsc';

type Resolver = ReturnType<avro.Type['createResolver']>;
import { FleetstreamError } from '../lib/errors';
import { registryError } from './registry-answer';
import type { RegistryClient } from './registry-client';
import { ensureSubject } from './subject-registration';

/*
 * Confluent wire format: byte 0 is the magic byte 0, bytes 1-4 the schema id
 * (big-endian int32) the registry gave the writer's schema, then the Avro
 * binary encoding of the record.
 */
const MAGIC_BYTE = 0;
const HEADER_BYTES = 5;

export function readSchemaId(buffer: Buffer): number {
  if (buffer.length < HEADER_BYTES || buffer[0] !== MAGIC_BYTE) {
    throw new FleetstreamError('RECORD_UNDECODABLE', `not in the Confluent wire format (${buffer.length} bytes, first byte ${buffer[0] ?? 'none'})`);
  }
  return buffer.readInt32BE(1);
}

/** Where `encode` writes before copying out; a record that does not fit takes the slower path. */
const scratch = Buffer.alloc(64 * 1024);

/**
 * Encodes and decodes one record type under one subject. `register()` sets the
 * subject's compatibility to BACKWARD and registers the schema (idempotent, also
 * when many processes do it at once: subject-registration.ts); decoding
 * resolves records written with any registered version of it.
 */
export class AvroCodec<T> {
  readonly type: avro.Type;
  private schemaId: number | undefined;
  private header: Buffer | undefined;
  private readonly readers = new Map<number, Promise<avro.Type | Resolver>>();

  constructor(
    private readonly client: RegistryClient,
    readonly subject: string,
    readonly schema: string,
  ) {
    this.type = avro.Type.forSchema(JSON.parse(schema) as avro.Schema);
  }

  get id(): number {
    if (this.schemaId === undefined) throw new Error(`AvroCodec for ${this.subject}: call register() before encoding`);
    return this.schemaId;
  }

  async register(): Promise<number> {
    this.schemaId = (await ensureSubject(this.client, this.subject, this.schema)).id;
    this.header = Buffer.alloc(HEADER_BYTES);
    this.header.writeUInt8(MAGIC_BYTE, 0);
    this.header.writeInt32BE(this.schemaId, 1);
    this.readers.set(this.schemaId, Promise.resolve(this.type));
    return this.schemaId;
  }

  encode(value: T): Buffer {
    if (!this.header) throw new Error(`AvroCodec for ${this.subject}: call register() before encoding`);
    // one allocation per record: header and body written into a scratch buffer, then copied out
    this.header.copy(scratch, 0);
    const end = this.type.encode(value, scratch, this.header.length);
    if (end < 0) return Buffer.concat([this.header, this.type.toBuffer(value)]); // larger than the scratch buffer
    return Buffer.from(scratch.subarray(0, end));
  }

  async decode(buffer: Buffer): Promise<T> {
    const id = readSchemaId(buffer);
    let reader = this.readers.get(id);
    if (!reader) {
      reader = this.readerFor(id);
      this.readers.set(id, reader);
      reader.catch(() => this.readers.delete(id));
    }
    const resolved = await reader;
    try {
      return (resolved === this.type
        ? this.type.fromBuffer(buffer.subarray(HEADER_BYTES))
        : this.type.fromBuffer(buffer.subarray(HEADER_BYTES), resolved as Resolver)) as T;
    } catch (error) {
      throw new FleetstreamError('RECORD_UNDECODABLE', `${this.subject}: record with schema id ${id} does not decode: ${(error as Error).message}`, { cause: error });
    }
  }

  private async readerFor(id: number): Promise<Resolver> {
    let writer;
    try {
      writer = await this.client.getBySubjectAndId(this.subject, id);
    } catch (error) {
      throw registryError(error, `fetching schema id ${id} of ${this.subject}`);
    }
    return this.type.createResolver(avro.Type.forSchema(JSON.parse(writer.schema) as avro.Schema));
  }
}
