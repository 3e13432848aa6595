/** Trace and span ID helpers. IDs are lowercase hex in the model. */

const HEX_DIGITS = '0123456789abcdef';
const BYTE_TO_HEX: string[] = [];
for (let i = 0; i < 256; i++) BYTE_TO_HEX.push(HEX_DIGITS[i >> 4]! + HEX_DIGITS[i & 15]!);

/** Hex-encodes `bytes[start, end)` without allocating an intermediate Buffer. */
export function bytesToHex(bytes: Uint8Array, start = 0, end = bytes.length): string {
  let out = '';
  for (let i = start; i < end; i++) out += BYTE_TO_HEX[bytes[i]!]!;
  return out;
}

const TRACE_ID_RE = /^[0-9a-f]{32}$/;
const SPAN_ID_RE = /^[0-9a-f]{16}$/;
const ZERO_TRACE_ID = '0'.repeat(32);
const ZERO_SPAN_ID = '0'.repeat(16);

/** A valid trace ID is 32 lowercase hex characters and not all zero (W3C Trace Context). */
export function isValidTraceId(id: string): boolean {
  return TRACE_ID_RE.test(id) && id !== ZERO_TRACE_ID;
}

/** A valid span ID is 16 lowercase hex characters and not all zero (W3C Trace Context). */
export function isValidSpanId(id: string): boolean {
  return SPAN_ID_RE.test(id) && id !== ZERO_SPAN_ID;
}

/**
 * Normalises a user-supplied trace ID (query APIs): accepts upper case and IDs shorter than 32
 * digits (64-bit Zipkin/Jaeger IDs are left-padded with zeros), returns undefined when invalid.
 */
export function normaliseTraceId(input: string): string | undefined {
  const lower = input.trim().toLowerCase();
  if (!/^[0-9a-f]{1,32}$/.test(lower)) return undefined;
  const padded = lower.padStart(32, '0');
  return padded === ZERO_TRACE_ID ? undefined : padded;
}
