/**
 * A growable buffer of ClickHouse `RowBinary` values: the insert format that costs the engine
 * least to parse (no escapes, no number text, no quoted arrays) and JS nothing to escape. Values
 * are written in the table's column order; each type is encoded as RowBinary does:
 * - String (and LowCardinality(String)): LEB128 byte length, then the UTF-8 bytes;
 * - UInt8 / UInt32 / UInt64: little-endian, fixed width;
 * - Array(T): LEB128 element count, then the elements.
 * The bytes go to the engine as they are; a row is only complete once every column is written.
 */
export class RowBinaryBuffer {
  private buffer: Buffer;
  private length = 0;

  constructor(initialBytes = 256 * 1024) {
    this.buffer = Buffer.allocUnsafe(initialBytes);
  }

  string(value: string): void {
    const chars = value.length;
    // UTF-8 needs at most 3 bytes per UTF-16 unit, plus up to 5 bytes of length.
    this.reserve(chars * 3 + 5);
    const buffer = this.buffer;
    let at = this.length;
    if (chars < 128) {
      // Most values are short ASCII (IDs, names, keys): a JS loop is cheaper than a call into
      // the UTF-8 encoder; the first non-ASCII character hands the value to the encoder.
      let i = 0;
      for (; i < chars; i++) {
        const code = value.charCodeAt(i);
        if (code >= 0x80) break;
        buffer[at + 1 + i] = code;
      }
      if (i === chars) {
        buffer[at] = chars;
        this.length = at + 1 + chars;
        return;
      }
    }
    const worst = chars * 3;
    const lengthBytes = worst < 0x80 ? 1 : worst < 0x4000 ? 2 : worst < 0x200000 ? 3 : worst < 0x10000000 ? 4 : 5;
    const written = buffer.write(value, at + lengthBytes, 'utf8');
    const needed = written < 0x80 ? 1 : written < 0x4000 ? 2 : written < 0x200000 ? 3 : written < 0x10000000 ? 4 : 5;
    if (needed < lengthBytes) buffer.copyWithin(at + needed, at + lengthBytes, at + lengthBytes + written);
    at = this.writeLength(at, written);
    this.length = at + written;
  }

  /** An Array(String) of `count` elements follows: write its count, then each element. */
  arrayLength(count: number): void {
    this.reserve(5);
    this.length = this.writeLength(this.length, count);
  }

  uint8(value: number): void {
    this.reserve(1);
    this.buffer[this.length++] = value;
  }

  uint32(value: number): void {
    this.reserve(4);
    this.buffer.writeUInt32LE(value >>> 0, this.length);
    this.length += 4;
  }

  /** A UInt64 (as bigint, 0 ≤ value < 2^64). */
  uint64(value: bigint): void {
    this.reserve(8);
    this.buffer.writeBigUInt64LE(value, this.length);
    this.length += 8;
  }

  /** The bytes written so far (a view, not a copy). */
  bytes(): Buffer {
    return this.buffer.subarray(0, this.length);
  }

  private writeLength(at: number, value: number): number {
    const buffer = this.buffer;
    let rest = value;
    while (rest >= 0x80) {
      buffer[at++] = (rest & 0x7f) | 0x80;
      rest >>>= 7;
    }
    buffer[at++] = rest;
    return at;
  }

  private reserve(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return;
    let size = this.buffer.length * 2;
    while (size < this.length + bytes) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buffer.copy(next, 0, 0, this.length);
    this.buffer = next;
  }
}
