import { OtlpDecodeError } from './decode-error.js';

/**
 * Low-level protobuf wire reader for the hand-written OTLP decoder.
 *
 * Every read takes `end`, the end of the enclosing message, and checks against it (not against
 * the buffer length), so a sub-message can never read into its parent's bytes. Every failure is an
 * {@link OtlpDecodeError} naming what was wrong, the byte offset and the message field, because the
 * text goes back to the client. `where` arguments are string literals: passing them costs nothing,
 * and they are only formatted on the error path.
 */

export const WireType = { VARINT: 0, I64: 1, LEN: 2, SGROUP: 3, EGROUP: 4, I32: 5 } as const;
export type WireType = (typeof WireType)[keyof typeof WireType];

const WIRE_TYPE_NAMES = ['varint', 'i64', 'len', 'start group', 'end group', 'i32', '6', '7'];

/** The known fields of one message: what an unknown or mistyped field is checked against. */
export class MessageSchema {
  readonly wireTypes: (WireType | undefined)[] = [];
  readonly fieldNames: (string | undefined)[] = [];

  constructor(
    readonly name: string,
    fields: readonly (readonly [number, string, WireType])[],
  ) {
    for (const [number, fieldName, wireType] of fields) {
      this.wireTypes[number] = wireType;
      this.fieldNames[number] = `${name}.${fieldName}`;
    }
  }
}

/**
 * Short ASCII strings are looked up in a small global cache before being allocated: OTLP repeats
 * the same attribute keys, event names and common values in every span, so most short strings are
 * repeats. Returning the cached string saves an allocation (GC pressure dominates decoding cost)
 * and makes decoded spans share their key strings in memory. Direct-mapped, so a miss costs one
 * hash and one compare, and the memory it holds is bounded (slots × SHORT_STRING chars).
 */
const SHORT_STRING = 32;
const STRING_CACHE_SLOTS = 4096; // a power of two
const stringCache: string[] = new Array<string>(STRING_CACHE_SLOTS).fill('');

/** BigInt(n) allocates; small int64 values (status codes, counts, ports) are common enough to share. */
const SMALL_BIGINTS: bigint[] = Array.from({ length: 1024 }, (_, i) => BigInt(i));

/** Buffer's native slicers (undocumented but long-standing; protobufjs relies on them too). */
interface NativeSlices {
  utf8Slice(start: number, end: number): string;
  latin1Slice(start: number, end: number): string;
  hexSlice(start: number, end: number): string;
}

export class ProtoReader {
  pos = 0;
  private readonly view: DataView;
  /** A Buffer view (not a copy) of the input, for its native UTF-8 decoder. */
  private readonly nodeBuffer: Buffer & NativeSlices;

  constructor(readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.nodeBuffer = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength) as Buffer & NativeSlices;
  }

  fail(what: string, at: number, where: string): never {
    throw new OtlpDecodeError(`${what} at byte ${at} in ${where}`);
  }

  /** Reads a field tag (field number << 3 | wire type). */
  tag(end: number, schema: MessageSchema): number {
    const at = this.pos;
    const tag = this.uint32(end, schema.name);
    if (tag >>> 3 === 0) this.fail('invalid field number 0', at, schema.name);
    return tag;
  }

  /**
   * A varint truncated to its low 32 bits, as protobuf requires for uint32/int32/enum fields (a
   * negative int32 enum is sent as a 10-byte varint). Returns an unsigned number.
   */
  uint32(end: number, where: string): number {
    const pos = this.pos;
    if (pos < end) {
      const b = this.buf[pos]!;
      if (b < 0x80) {
        this.pos = pos + 1;
        return b;
      }
    }
    return this.uint32Slow(end, where);
  }

  private uint32Slow(end: number, where: string): number {
    const buf = this.buf;
    const start = this.pos;
    let pos = start;
    let value = 0;
    for (let i = 0; i < 10; i++) {
      if (pos >= end) this.fail('truncated varint', start, where);
      const b = buf[pos++]!;
      // Bits beyond 32 fall off the left of the 32-bit shift: exactly the truncation we want.
      if (i < 5) value |= (b & 0x7f) << (7 * i);
      if (b < 0x80) {
        this.pos = pos;
        return value >>> 0;
      }
    }
    return this.fail('varint longer than 10 bytes', start, where);
  }

  /** A bool is any varint; non-zero in any of its 64 bits is true. */
  bool(end: number, where: string): boolean {
    const buf = this.buf;
    const start = this.pos;
    let pos = start;
    let nonZero = false;
    for (let i = 0; i < 10; i++) {
      if (pos >= end) this.fail('truncated varint', start, where);
      const b = buf[pos++]!;
      if ((b & 0x7f) !== 0) nonZero = true;
      if (b < 0x80) {
        this.pos = pos;
        return nonZero;
      }
    }
    return this.fail('varint longer than 10 bytes', start, where);
  }

  /** int64 varint (two's complement, so negatives take 10 bytes) → signed bigint. */
  int64(end: number, where: string): bigint {
    const buf = this.buf;
    const start = this.pos;
    let pos = start;
    let lo = 0;
    let hi: number;
    let b: number;
    // Bytes 0-3 hold bits 0-27: small non-negative values (the common case) finish here.
    for (let i = 0; i < 4; i++) {
      if (pos >= end) this.fail('truncated varint', start, where);
      b = buf[pos++]!;
      lo |= (b & 0x7f) << (7 * i);
      if (b < 0x80) {
        this.pos = pos;
        return lo < 1024 ? SMALL_BIGINTS[lo]! : BigInt(lo);
      }
    }
    if (pos >= end) this.fail('truncated varint', start, where);
    b = buf[pos++]!;
    lo |= (b & 0x7f) << 28; // bits 28-31
    hi = (b & 0x7f) >> 4; // bits 32-34
    if (b >= 0x80) {
      for (let i = 0; ; i++) {
        if (i === 5) this.fail('varint longer than 10 bytes', start, where);
        if (pos >= end) this.fail('truncated varint', start, where);
        b = buf[pos++]!;
        hi |= (b & 0x7f) << (7 * i + 3);
        if (b < 0x80) break;
      }
    }
    this.pos = pos;
    return BigInt.asIntN(64, (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0));
  }

  /** fixed64 → unsigned bigint, from two uint32 halves (never through a number beyond 2^53). */
  fixed64(end: number, where: string): bigint {
    const pos = this.pos;
    if (end - pos < 8) this.fail('truncated fixed64', pos, where);
    this.pos = pos + 8;
    const lo = this.view.getUint32(pos, true);
    const hi = this.view.getUint32(pos + 4, true);
    // Below 2^53 the number is exact and one BigInt() is cheaper than shift + or.
    return hi < 0x200000 ? BigInt(hi * 0x100000000 + lo) : (BigInt(hi) << 32n) | BigInt(lo);
  }

  fixed32(end: number, where: string): number {
    const pos = this.pos;
    if (end - pos < 4) this.fail('truncated fixed32', pos, where);
    this.pos = pos + 4;
    return this.view.getUint32(pos, true);
  }

  double(end: number, where: string): number {
    const pos = this.pos;
    if (end - pos < 8) this.fail('truncated double', pos, where);
    this.pos = pos + 8;
    return this.view.getFloat64(pos, true);
  }

  /** Reads the length prefix of a length-delimited field and returns where its content ends. */
  lengthEnd(end: number, where: string): number {
    const pos = this.pos;
    if (pos < end) {
      const b = this.buf[pos]!;
      if (b < 0x80) {
        if (b > end - pos - 1) this.fail(`invalid length ${b}`, pos, where);
        this.pos = pos + 1;
        return pos + 1 + b;
      }
    }
    return this.lengthEndSlow(end, where);
  }

  private lengthEndSlow(end: number, where: string): number {
    const buf = this.buf;
    const start = this.pos;
    let pos = start;
    // Accumulated as a float: anything beyond 2^31 is rejected anyway, precision does not matter.
    let length = 0;
    let scale = 1;
    for (let i = 0; ; i++) {
      if (i === 10) this.fail('varint longer than 10 bytes', start, where);
      if (pos >= end) this.fail('truncated varint', start, where);
      const b = buf[pos++]!;
      length += (b & 0x7f) * scale;
      scale *= 128;
      if (b < 0x80) break;
    }
    if (length > end - pos) this.fail(`invalid length ${length}`, start, where);
    this.pos = pos;
    return pos + length;
  }

  /** A string field: UTF-8, invalid sequences become U+FFFD (never an error). */
  string(end: number, where: string): string {
    const stop = this.lengthEnd(end, where);
    const start = this.pos;
    this.pos = stop;
    const length = stop - start;
    if (length <= SHORT_STRING) {
      const buf = this.buf;
      // One pass: ASCII check and FNV-1a hash.
      let hash = 0x811c9dc5;
      let i = start;
      for (; i < stop; i++) {
        const c = buf[i]!;
        if (c >= 0x80) break;
        hash = Math.imul(hash ^ c, 0x01000193);
      }
      if (i === stop) {
        const slot = (hash ^ (hash >>> 16)) & (STRING_CACHE_SLOTS - 1);
        const cached = stringCache[slot]!;
        if (cached.length === length) {
          let j = 0;
          while (j < length && cached.charCodeAt(j) === buf[start + j]) j++;
          if (j === length) return cached;
        }
        // ASCII, so latin1 gives the same string as UTF-8, without the UTF-8 validation.
        const s = this.nodeBuffer.latin1Slice(start, stop);
        stringCache[slot] = s;
        return s;
      }
    }
    return this.nodeBuffer.utf8Slice(start, stop);
  }

  /**
   * A bytes field holding an ID: lowercase hex of whatever length was sent ('' when empty). The
   * native slicer builds one flat string; appending 16 byte pairs in JS built a 16-piece rope that
   * every later regex test or map lookup had to flatten into a second copy (issue 19 item 2:
   * decode + validate 3.9 → 3.2 CPU-µs per loadgen span in bench/ingest-js-bench.ts).
   */
  hex(end: number, where: string): string {
    const stop = this.lengthEnd(end, where);
    const start = this.pos;
    this.pos = stop;
    return this.nodeBuffer.hexSlice(start, stop);
  }

  /** A bytes field, copied so that the value does not pin the whole request buffer. */
  bytes(end: number, where: string): Uint8Array {
    const stop = this.lengthEnd(end, where);
    const start = this.pos;
    this.pos = stop;
    const out = new Uint8Array(stop - start);
    out.set(this.buf.subarray(start, stop));
    return out;
  }

  /**
   * Skips a field the message does not know (forward compatibility), or rejects a known field
   * sent with the wrong wire type (a different schema: its value would be misread).
   */
  skipUnknown(tag: number, end: number, schema: MessageSchema): void {
    const fieldNumber = tag >>> 3;
    const wireType = tag & 7;
    const at = this.pos;
    const expected = schema.wireTypes[fieldNumber];
    if (expected !== undefined && expected !== wireType) {
      this.fail(
        `wrong wire type ${WIRE_TYPE_NAMES[wireType]} for ${schema.fieldNames[fieldNumber]} (expected ${WIRE_TYPE_NAMES[expected]})`,
        at,
        schema.name,
      );
    }
    const where = `${schema.name} (unknown field ${fieldNumber})`;
    switch (wireType) {
      case WireType.VARINT:
        this.uint32(end, where);
        return;
      case WireType.I64:
        if (end - at < 8) this.fail('truncated fixed64', at, where);
        this.pos = at + 8;
        return;
      case WireType.LEN:
        this.pos = this.lengthEnd(end, where);
        return;
      case WireType.I32:
        if (end - at < 4) this.fail('truncated fixed32', at, where);
        this.pos = at + 4;
        return;
      case WireType.SGROUP:
      case WireType.EGROUP:
        // Deprecated proto2 groups never appear in OTLP (a proto3 schema); refusing them keeps the
        // skipper non-recursive.
        return this.fail(`unsupported wire type ${wireType} (group)`, at, where);
      default:
        return this.fail(`invalid wire type ${wireType}`, at, where);
    }
  }
}
