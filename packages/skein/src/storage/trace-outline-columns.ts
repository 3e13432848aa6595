import { SpanIdTable } from '../model/span-id-table.js';
import { StorageError, type TraceOutlineColumns } from './trace-store.js';

/** Reads ClickHouse RowBinary: little-endian fixed widths, LEB128 lengths. */
class RowBinaryReader {
  private at = 0;
  private readonly view: DataView;

  constructor(private readonly bytes: Buffer) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get done(): boolean {
    return this.at >= this.bytes.length;
  }

  varint(): number {
    let value = 0;
    let shift = 0;
    for (;;) {
      const byte = this.need(1) && this.bytes[this.at++]!;
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return value;
      shift += 7;
    }
  }

  uint64(): number {
    this.need(8);
    const value = Number(this.view.getBigUint64(this.at, true));
    this.at += 8;
    return value;
  }

  /** A slice of `count × width` bytes (no copy), aligned copies are made by the typed readers. */
  raw(length: number): Buffer {
    this.need(length);
    const slice = this.bytes.subarray(this.at, this.at + length);
    this.at += length;
    return slice;
  }

  fixedArray(width: number): { count: number; bytes: Uint8Array } {
    const count = this.varint();
    return { count, bytes: Uint8Array.from(this.raw(count * width)) };
  }

  /** An Array(UInt32|Float64|UInt16|UInt8) as its typed array (copied: RowBinary is unaligned). */
  typed<T extends Uint32Array | Float64Array | Uint16Array | Uint8Array>(make: (buffer: ArrayBuffer) => T, width: number): T {
    const count = this.varint();
    const copy = new Uint8Array(count * width);
    copy.set(this.raw(count * width));
    return make(copy.buffer);
  }

  /**
   * An Array(String) as one byte array and offsets (nothing decoded). Two passes over the bytes:
   * lengths first (to size the copy exactly), then a byte loop that drops the length prefixes.
   * A view and a `set` per string cost ~185 ms for a 1M-span trace's names; the loop ~4× less.
   */
  strings(): { bytes: Uint8Array; offsets: Uint32Array } {
    const count = this.varint();
    const offsets = new Uint32Array(count + 1);
    const start = this.at;
    let total = 0;
    for (let i = 0; i < count; i++) {
      const length = this.varint();
      this.need(length);
      this.at += length;
      total += length;
      offsets[i + 1] = total;
    }
    const bytes = new Uint8Array(total);
    const source = this.bytes;
    let from = start;
    let to = 0;
    for (let i = 0; i < count; i++) {
      while (source[from]! >= 0x80) from++;
      from++;
      const end = offsets[i + 1]!;
      while (to < end) bytes[to++] = source[from++]!;
    }
    return { bytes, offsets };
  }

  private need(length: number): true {
    if (this.at + length > this.bytes.length) throw new StorageError('rejected', 'the trace outline result ended early');
    return true;
  }
}

/**
 * The outline query's one RowBinary row (trace-queries.ts traceOutlineSql) as columns, copies of
 * a span ID dropped (the earliest start wins, as getTrace keeps the first copy by start time).
 */
export function decodeOutlineRow(bytes: Buffer): TraceOutlineColumns {
  const reader = new RowBinaryReader(bytes);
  reader.uint64(); // count(): the arrays carry their own lengths
  const ids = reader.fixedArray(8);
  const parents = reader.fixedArray(8);
  const startSeconds = reader.typed((b) => new Uint32Array(b), 4);
  const startNanos = reader.typed((b) => new Uint32Array(b), 4);
  const durationsNano = reader.typed((b) => new Float64Array(b), 8);
  const statusCodes = reader.typed((b) => new Uint8Array(b), 1);
  const serviceNames = reader.strings();
  const serviceIndex = reader.typed((b) => new Uint16Array(b), 2);
  const names = reader.strings();
  const decoder = new TextDecoder();
  const services = Array.from(serviceNames.offsets.subarray(1), (end, i) =>
    decoder.decode(serviceNames.bytes.subarray(serviceNames.offsets[i]!, end)),
  );
  const columns: TraceOutlineColumns = {
    spanCount: ids.count,
    spanIds: ids.bytes,
    parentSpanIds: parents.bytes,
    startSeconds,
    startNanos,
    durationsNano,
    statusCodes,
    services,
    serviceIndex,
    nameBytes: names.bytes,
    nameOffsets: names.offsets,
  };
  return withoutCopies(columns);
}

function startsBefore(columns: TraceOutlineColumns, a: number, b: number): boolean {
  return (
    columns.startSeconds[a]! < columns.startSeconds[b]! ||
    (columns.startSeconds[a] === columns.startSeconds[b] && columns.startNanos[a]! < columns.startNanos[b]!)
  );
}

/** Keeps the earliest copy of each span ID; the columns as they are when there is no copy (the usual case). */
function withoutCopies(columns: TraceOutlineColumns): TraceOutlineColumns {
  const count = columns.spanCount;
  const table = new SpanIdTable(columns.spanIds, count);
  let dropped: Uint8Array | undefined;
  for (let i = 0; i < count; i++) {
    const first = table.add(i);
    if (first === i) continue;
    dropped ??= new Uint8Array(count);
    if (startsBefore(columns, i, first)) {
      dropped[first] = 1;
      table.replace(i);
    } else dropped[i] = 1;
  }
  // The table indexes exactly these IDs: buildTraceOutline reuses it instead of hashing 1M IDs again.
  if (!dropped) return { ...columns, idTable: table };
  const keep: number[] = [];
  for (let i = 0; i < count; i++) if (!dropped[i]) keep.push(i);
  const ids = new Uint8Array(keep.length * 8);
  const parents = new Uint8Array(keep.length * 8);
  const nameOffsets = new Uint32Array(keep.length + 1);
  const nameParts: Uint8Array[] = [];
  keep.forEach((i, k) => {
    ids.set(columns.spanIds.subarray(i * 8, i * 8 + 8), k * 8);
    parents.set(columns.parentSpanIds.subarray(i * 8, i * 8 + 8), k * 8);
    const name = columns.nameBytes.subarray(columns.nameOffsets[i]!, columns.nameOffsets[i + 1]!);
    nameParts.push(name);
    nameOffsets[k + 1] = nameOffsets[k]! + name.length;
  });
  const nameBytes = new Uint8Array(nameOffsets[keep.length]!);
  nameParts.forEach((part, k) => nameBytes.set(part, nameOffsets[k]!));
  return {
    spanCount: keep.length,
    spanIds: ids,
    parentSpanIds: parents,
    startSeconds: Uint32Array.from(keep, (i) => columns.startSeconds[i]!),
    startNanos: Uint32Array.from(keep, (i) => columns.startNanos[i]!),
    durationsNano: Float64Array.from(keep, (i) => columns.durationsNano[i]!),
    statusCodes: Uint8Array.from(keep, (i) => columns.statusCodes[i]!),
    services: columns.services,
    serviceIndex: Uint16Array.from(keep, (i) => columns.serviceIndex[i]!),
    nameBytes,
    nameOffsets,
  };
}
