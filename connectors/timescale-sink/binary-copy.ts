/**
 * PostgreSQL's binary COPY format (`COPY ... FROM STDIN (FORMAT binary)`),
 * encoded from column arrays into one buffer: no text to format on our side,
 * none to parse on the server's.
 *
 * Why not pg-copy-streams-binary: it encodes row by row through an object
 * stream, and on 100k four-column rows took 388 ms, slower than formatting the
 * same rows as COPY text (215 ms); this encoder takes about a tenth of that.
 *
 * Layout: 11-byte signature, int32 flags, int32 header-extension length; per
 * row an int16 field count, then per field an int32 byte length (-1 for NULL)
 * and the value in network byte order; an int16 -1 ends the data.
 */

export type BinaryCopyType = 'text' | 'timestamptz' | 'float8' | 'int8' | 'int4' | 'bool';

/** One column: its PostgreSQL type and its values; a timestamptz value is epoch milliseconds. */
export interface BinaryCopyColumn {
  type: BinaryCopyType;
  values: readonly (string | number | boolean | null)[];
}

const signature = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
/** 2000-01-01T00:00:00Z, PostgreSQL's timestamp epoch, in Unix milliseconds. */
const postgresEpochMs = 946_684_800_000;
const fixedWidth: Record<Exclude<BinaryCopyType, 'text'>, number> = { timestamptz: 8, float8: 8, int8: 8, int4: 4, bool: 1 };

/** Encodes the rows that `columns` hold (all the same length) as one binary COPY stream. */
export function encodeBinaryCopy(columns: readonly BinaryCopyColumn[]): Buffer {
  const rows = columns[0]?.values.length ?? 0;
  for (const column of columns) {
    if (column.values.length !== rows) throw new Error(`binary COPY: columns hold ${rows} and ${column.values.length} values`);
  }
  let size = signature.length + 8 + 2 + rows * (2 + 4 * columns.length);
  for (const column of columns) {
    if (column.type === 'text') {
      for (const value of column.values) if (value !== null) size += Buffer.byteLength(value as string);
    } else {
      for (const value of column.values) if (value !== null) size += fixedWidth[column.type];
    }
  }
  const out = Buffer.allocUnsafe(size);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength); // DataView's setters inline; Buffer's write methods check and call
  let at = signature.copy(out, 0);
  view.setInt32(at, 0); // flags
  view.setInt32(at + 4, 0); // header extension length
  at += 8;
  for (let row = 0; row < rows; row++) {
    view.setInt16(at, columns.length);
    at += 2;
    for (const { type, values } of columns) {
      const value = values[row];
      if (value === null || value === undefined) {
        view.setInt32(at, -1);
        at += 4;
        continue;
      }
      switch (type) {
        case 'text': {
          const length = out.write(value as string, at + 4, 'utf8');
          view.setInt32(at, length);
          at += 4 + length;
          break;
        }
        case 'timestamptz':
          view.setInt32(at, 8);
          setInt64(view, at + 4, ((value as number) - postgresEpochMs) * 1000);
          at += 12;
          break;
        case 'int8':
          view.setInt32(at, 8);
          setInt64(view, at + 4, value as number);
          at += 12;
          break;
        case 'float8':
          view.setInt32(at, 8);
          view.setFloat64(at + 4, value as number);
          at += 12;
          break;
        case 'int4':
          view.setInt32(at, 4);
          view.setInt32(at + 4, value as number);
          at += 8;
          break;
        case 'bool':
          view.setInt32(at, 1);
          view.setUint8(at + 4, value ? 1 : 0);
          at += 5;
          break;
      }
    }
  }
  view.setInt16(at, -1);
  at += 2;
  if (at !== size) throw new Error(`binary COPY: wrote ${at} of ${size} bytes`);
  return out;
}

/** A safe integer as a big-endian int64 (two's complement), without a BigInt per value. */
function setInt64(view: DataView, at: number, value: number): void {
  if (!Number.isSafeInteger(value)) throw new RangeError(`binary COPY: ${value} is not a safe integer`);
  const high = Math.floor(value / 2 ** 32);
  view.setInt32(at, high);
  view.setUint32(at + 4, value - high * 2 ** 32);
}
