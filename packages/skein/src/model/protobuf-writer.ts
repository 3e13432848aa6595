/**
 * Low-level protobuf wire writer for the hand-written OTLP encoder.
 *
 * Single pass: a length-delimited field reserves one byte for its length (`fork`), its content is
 * written, then `join` fills the length in, shifting the content right when the length needs more
 * than one byte. Shifting is a memmove, far cheaper than the alternative of computing every
 * nested message's size in a first pass. Lengths come out canonical (minimal varints).
 */

const INITIAL_CAPACITY = 64 * 1024;

/** Hex digit char code → nibble, -1 for anything else. */
const HEX_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 10; i++) HEX_VALUE[48 + i] = i;
for (let i = 0; i < 6; i++) {
  HEX_VALUE[97 + i] = 10 + i;
  HEX_VALUE[65 + i] = 10 + i;
}

export class ProtoWriter {
  pos = 0;
  private buf: Buffer;
  private view: DataView;

  constructor(capacity = INITIAL_CAPACITY) {
    this.buf = Buffer.allocUnsafe(capacity);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  }

  get capacity(): number {
    return this.buf.length;
  }

  reset(): void {
    this.pos = 0;
  }

  /** A copy of what was written, so the writer's buffer can be reused. */
  finish(): Uint8Array {
    const out = new Uint8Array(this.pos);
    out.set(this.buf.subarray(0, this.pos));
    return out;
  }

  private ensure(bytes: number): void {
    if (this.pos + bytes <= this.buf.length) return;
    let capacity = this.buf.length * 2;
    while (capacity < this.pos + bytes) capacity *= 2;
    const grown = Buffer.allocUnsafe(capacity);
    this.buf.copy(grown, 0, 0, this.pos);
    this.buf = grown;
    this.view = new DataView(grown.buffer, grown.byteOffset, grown.byteLength);
  }

  /** An unsigned varint of up to 32 bits (tags, lengths, uint32, enums). */
  uint32(value: number): void {
    this.ensure(5);
    const buf = this.buf;
    let pos = this.pos;
    let v = value >>> 0;
    while (v > 0x7f) {
      buf[pos++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    buf[pos++] = v;
    this.pos = pos;
  }

  /** int64 varint: negatives are written as 10-byte two's complement; wraps outside int64/uint64. */
  int64(value: bigint): void {
    if (value >= 0n && value < 0x80000000n) {
      this.uint32(Number(value));
      return;
    }
    const u = BigInt.asUintN(64, value);
    let lo = Number(u & 0xffffffffn);
    let hi = Number(u >> 32n);
    this.ensure(10);
    const buf = this.buf;
    let pos = this.pos;
    while (hi !== 0 || lo > 0x7f) {
      buf[pos++] = (lo & 0x7f) | 0x80;
      // Shift the 64-bit (hi, lo) pair right by 7.
      lo = ((lo >>> 7) | (hi << 25)) >>> 0;
      hi >>>= 7;
    }
    buf[pos++] = lo;
    this.pos = pos;
  }

  /** fixed64 from an unsigned bigint, as two uint32 halves. */
  fixed64(value: bigint): void {
    this.ensure(8);
    const u = BigInt.asUintN(64, value);
    this.view.setUint32(this.pos, Number(u & 0xffffffffn), true);
    this.view.setUint32(this.pos + 4, Number(u >> 32n), true);
    this.pos += 8;
  }

  fixed32(value: number): void {
    this.ensure(4);
    this.view.setUint32(this.pos, value >>> 0, true);
    this.pos += 4;
  }

  double(value: number): void {
    this.ensure(8);
    this.view.setFloat64(this.pos, value, true);
    this.pos += 8;
  }

  /** A length-prefixed UTF-8 string (lone surrogates become U+FFFD, as in every UTF-8 encoder). */
  string(value: string): void {
    const length = value.length;
    // ASCII fast path: one byte per char, and the length fits the one-byte prefix.
    if (length < 128) {
      this.ensure(length + 1);
      const buf = this.buf;
      const start = this.pos;
      let i = 0;
      for (; i < length; i++) {
        const c = value.charCodeAt(i);
        if (c >= 0x80) break;
        buf[start + 1 + i] = c;
      }
      if (i === length) {
        buf[start] = length;
        this.pos = start + 1 + length;
        return;
      }
    }
    const byteLength = Buffer.byteLength(value, 'utf8');
    this.uint32(byteLength);
    this.ensure(byteLength);
    this.pos += this.buf.write(value, this.pos, byteLength, 'utf8');
  }

  /** A length-prefixed bytes field holding a hex ID. */
  hexBytes(hex: string): void {
    const length = hex.length >>> 1;
    if (hex.length !== length * 2) throw new RangeError(`invalid hex ID ${JSON.stringify(hex)}: odd length`);
    this.uint32(length);
    this.ensure(length);
    const buf = this.buf;
    let pos = this.pos;
    for (let i = 0; i < hex.length; i += 2) {
      const high = HEX_VALUE[hex.charCodeAt(i)] ?? -1;
      const low = HEX_VALUE[hex.charCodeAt(i + 1)] ?? -1;
      if (high < 0 || low < 0) throw new RangeError(`invalid hex ID ${JSON.stringify(hex)}`);
      buf[pos++] = (high << 4) | low;
    }
    this.pos = pos;
  }

  bytes(value: Uint8Array): void {
    this.uint32(value.length);
    this.ensure(value.length);
    this.buf.set(value, this.pos);
    this.pos += value.length;
  }

  /** Starts a length-delimited field's content; pass the result to {@link join}. */
  fork(): number {
    this.ensure(1);
    return this.pos++;
  }

  /** Ends a length-delimited field started at `lengthAt` by writing its length. */
  join(lengthAt: number): void {
    const length = this.pos - lengthAt - 1;
    if (length < 0x80) {
      this.buf[lengthAt] = length;
      return;
    }
    let extra = 1;
    while (length >= 2 ** (7 * (extra + 1))) extra++;
    this.ensure(extra);
    const buf = this.buf;
    buf.copyWithin(lengthAt + 1 + extra, lengthAt + 1, this.pos);
    let pos = lengthAt;
    let v = length;
    while (v > 0x7f) {
      buf[pos++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    buf[pos] = v;
    this.pos += extra;
  }
}
