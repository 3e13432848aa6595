import * as zlib from 'node:zlib';

/**
 * CRC-32 (IEEE, as zlib and gzip compute it), continued from `initial` (so
 * `crc32(b, crc32(a)) === crc32(a + b)`). Tells a torn or corrupt record from a good one in
 * Skein's on-disk logs (the tail-sampling journal, the exporters' queues).
 *
 * `zlib.crc32` (native, fast) exists from Node 20.15 on; Skein supports every Node 20, so older
 * ones get the table below. A namespace import: a named import of a missing export would fail to
 * load the module at all.
 */
const native = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

let table: Int32Array | undefined;

function crc32Table(): Int32Array {
  if (table) return table;
  table = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c;
  }
  return table;
}

/** The portable implementation (exported for the test that compares it with the native one). */
export function crc32Portable(bytes: Uint8Array, initial = 0): number {
  const t = crc32Table();
  let crc = ~initial;
  for (let i = 0; i < bytes.length; i++) crc = t[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return ~crc >>> 0;
}

export const crc32: (bytes: Uint8Array, initial?: number) => number = native
  ? (bytes, initial = 0) => native(bytes, initial)
  : crc32Portable;
