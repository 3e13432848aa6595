import { crc32 } from '../../model/crc32.js';
import { DEFAULT_TENANT, isTenantId, type TenantId } from '../../model/tenant.js';
import { traceKeyParts, type TraceKey } from './trace-key.js';

/**
 * The tail-sampling journal's on-disk format. A segment file is an 8-byte magic followed by
 * records, each framed as
 *
 *   u32 LE payload length | u32 LE CRC-32 of the payload | payload
 *
 * and each payload starts with a type byte:
 *
 *   1 SPANS      f64 LE arrival time (ms, the sampler's clock) | OTLP/protobuf ExportTraceServiceRequest
 *   2 DECISIONS  u32 LE count | count × (16-byte trace ID | u8 policy-name length | UTF-8 policy name)
 *   3 SNAPSHOT   as DECISIONS; the decision cache when the segment was opened
 *   4 TENANT_SPANS         as SPANS, with u8 tenant length | tenant after the arrival time
 *   5 TENANT_DECISIONS     as DECISIONS, each entry led by u8 tenant length | tenant
 *   6 TENANT_SNAPSHOT      as SNAPSHOT, entries as in TENANT_DECISIONS
 *
 * Types 1-3 are the default tenant's and are still what a single-tenant Skein writes, so journals
 * from before tenancy replay unchanged; 4-6 carry the tenant, so a replay restores every span and
 * decision to the tenant that sent it.
 *
 * In DECISIONS and SNAPSHOT a policy-name length of 255 means "not sampled" (no name follows).
 * A DECISIONS record says its traces are resolved: their sampled spans were taken by the next
 * stage (or they were not sampled), so their SPANS records are no longer needed.
 *
 * The CRC makes a torn or half-written last record (a crash in the middle of a write) detectable:
 * reading stops there, and nothing in it had been acknowledged, since acknowledgement waits for
 * the fsync that covers the whole record.
 */
export const SEGMENT_MAGIC = Buffer.from('SKNTSJ01', 'latin1');
const FRAME_HEADER_BYTES = 8;
const NOT_SAMPLED = 255;

export const RecordType = { SPANS: 1, DECISIONS: 2, SNAPSHOT: 3, TENANT_SPANS: 4, TENANT_DECISIONS: 5, TENANT_SNAPSHOT: 6 } as const;

export interface DecisionEntry {
  /** Tenant and trace ID (trace-key.ts). */
  readonly traceKey: TraceKey;
  /** The sampling policy's name, or false when the trace was not sampled. */
  readonly decision: string | false;
}

export type JournalRecord =
  | { readonly type: 'spans'; readonly arrivalMs: number; readonly tenant: TenantId; readonly otlp: Uint8Array }
  | { readonly type: 'decisions' | 'snapshot'; readonly entries: DecisionEntry[] };

function frame(payload: Buffer): Buffer {
  const header = Buffer.allocUnsafe(FRAME_HEADER_BYTES);
  header.writeUInt32LE(payload.length, 0);
  header.writeUInt32LE(crc32(payload), 4);
  return Buffer.concat([header, payload]);
}

export function encodeSpansRecord(arrivalMs: number, otlp: Uint8Array, tenant: TenantId = DEFAULT_TENANT): Buffer {
  const name = tenant === DEFAULT_TENANT ? undefined : Buffer.from(tenant, 'utf8');
  const head = name === undefined ? 9 : 10 + name.length;
  const payload = Buffer.allocUnsafe(head + otlp.byteLength);
  payload[0] = name === undefined ? RecordType.SPANS : RecordType.TENANT_SPANS;
  payload.writeDoubleLE(arrivalMs, 1);
  if (name !== undefined) {
    payload[9] = name.length;
    payload.set(name, 10);
  }
  payload.set(otlp, head);
  return frame(payload);
}

export function encodeDecisionsRecord(entries: Iterable<DecisionEntry>, snapshot = false): Buffer {
  // Sized first and written into one buffer: a snapshot can hold 200 000 entries.
  const names = new Map<string, Buffer>();
  const list = [...entries].map(({ traceKey, decision }) => ({ ...traceKeyParts(traceKey), decision }));
  const tenanted = list.some(({ tenant }) => tenant !== DEFAULT_TENANT);
  let size = 5;
  for (const { decision, tenant } of list) {
    if (tenanted) size += 1 + Buffer.byteLength(tenant);
    if (decision === false) {
      size += 17;
      continue;
    }
    let name = names.get(decision);
    if (name === undefined) {
      // Policy names are config keys; one longer than 254 bytes is cut (it only labels spans).
      name = Buffer.from(decision, 'utf8').subarray(0, NOT_SAMPLED - 1);
      names.set(decision, name);
    }
    size += 17 + name.length;
  }
  const payload = Buffer.allocUnsafe(size);
  if (tenanted) payload[0] = snapshot ? RecordType.TENANT_SNAPSHOT : RecordType.TENANT_DECISIONS;
  else payload[0] = snapshot ? RecordType.SNAPSHOT : RecordType.DECISIONS;
  payload.writeUInt32LE(list.length, 1);
  let offset = 5;
  for (const { tenant, traceId, decision } of list) {
    if (tenanted) {
      payload[offset] = payload.write(tenant, offset + 1, 'utf8');
      offset += 1 + payload[offset]!;
    }
    payload.write(traceId, offset, 16, 'hex');
    const name = decision === false ? undefined : names.get(decision)!;
    payload[offset + 16] = name === undefined ? NOT_SAMPLED : name.length;
    offset += 17;
    if (name) {
      payload.set(name, offset);
      offset += name.length;
    }
  }
  return frame(payload);
}

export class JournalFormatError extends Error {
  override readonly name = 'JournalFormatError';
}

/**
 * The records of one segment, in order. Stops at the first torn or corrupt record and reports
 * where (`tornAt`), since nothing after it can be trusted; a wrong magic is an error (not a
 * journal of this version).
 */
export function readSegment(bytes: Buffer, file: string): { records: JournalRecord[]; tornAt: number | undefined } {
  if (bytes.length < SEGMENT_MAGIC.length) return { records: [], tornAt: bytes.length === 0 ? undefined : 0 };
  if (!bytes.subarray(0, SEGMENT_MAGIC.length).equals(SEGMENT_MAGIC)) {
    throw new JournalFormatError(`${file} is not a tail-sampling journal segment of this version (bad magic)`);
  }
  const records: JournalRecord[] = [];
  let offset = SEGMENT_MAGIC.length;
  while (offset < bytes.length) {
    if (offset + FRAME_HEADER_BYTES > bytes.length) return { records, tornAt: offset };
    const length = bytes.readUInt32LE(offset);
    const end = offset + FRAME_HEADER_BYTES + length;
    if (length === 0 || end > bytes.length) return { records, tornAt: offset };
    const payload = bytes.subarray(offset + FRAME_HEADER_BYTES, end);
    if (crc32(payload) !== bytes.readUInt32LE(offset + 4)) return { records, tornAt: offset };
    const record = decodePayload(payload);
    if (record === undefined) return { records, tornAt: offset };
    records.push(record);
    offset = end;
  }
  return { records, tornAt: undefined };
}

function decodePayload(payload: Buffer): JournalRecord | undefined {
  const type = payload[0];
  if (type === RecordType.SPANS) {
    if (payload.length < 9) return undefined;
    return { type: 'spans', arrivalMs: payload.readDoubleLE(1), tenant: DEFAULT_TENANT, otlp: payload.subarray(9) };
  }
  if (type === RecordType.TENANT_SPANS) {
    if (payload.length < 10 || payload.length < 10 + payload[9]!) return undefined;
    const tenant = payload.toString('utf8', 10, 10 + payload[9]!);
    if (!isTenantId(tenant)) return undefined;
    return { type: 'spans', arrivalMs: payload.readDoubleLE(1), tenant, otlp: payload.subarray(10 + payload[9]!) };
  }
  const tenanted = type === RecordType.TENANT_DECISIONS || type === RecordType.TENANT_SNAPSHOT;
  if (type !== RecordType.DECISIONS && type !== RecordType.SNAPSHOT && !tenanted) return undefined;
  if (payload.length < 5) return undefined;
  const count = payload.readUInt32LE(1);
  const entries: DecisionEntry[] = [];
  let offset = 5;
  for (let i = 0; i < count; i++) {
    let tenant: string = DEFAULT_TENANT;
    if (tenanted) {
      const length = payload[offset];
      if (length === undefined || offset + 1 + length > payload.length) return undefined;
      tenant = payload.toString('utf8', offset + 1, offset + 1 + length);
      if (!isTenantId(tenant)) return undefined;
      offset += 1 + length;
    }
    if (offset + 17 > payload.length) return undefined;
    const hex = payload.toString('hex', offset, offset + 16);
    const traceKey = tenant === DEFAULT_TENANT ? hex : `${tenant}/${hex}`;
    const nameLength = payload[offset + 16]!;
    offset += 17;
    if (nameLength === NOT_SAMPLED) {
      entries.push({ traceKey, decision: false });
      continue;
    }
    if (offset + nameLength > payload.length) return undefined;
    entries.push({ traceKey, decision: payload.toString('utf8', offset, offset + nameLength) });
    offset += nameLength;
  }
  return { type: type === RecordType.SNAPSHOT || type === RecordType.TENANT_SNAPSHOT ? 'snapshot' : 'decisions', entries };
}
