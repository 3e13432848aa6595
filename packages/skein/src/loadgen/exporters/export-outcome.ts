/**
 * What one export attempt came to, as every sender reports it, and the retry rules shared by
 * them (OTLP specification, "Retryable response codes" and "Throttling").
 */
export type ExportOutcome =
  /** Accepted; `rejectedSpans` of them refused one by one (OTLP partial_success). */
  | { kind: 'accepted'; rejectedSpans: number; errorMessage: string }
  /** Throttled or temporarily failing: try again after `delayMillis` (the server's hint) or a backoff. */
  | { kind: 'retry'; reason: string; delayMillis?: number }
  /** Refused for good (4xx, INVALID_ARGUMENT…): retrying the same bytes cannot help. */
  | { kind: 'failed'; reason: string };

export interface Exporter {
  readonly protocol: 'http/protobuf' | 'http/json' | 'grpc';
  /** Sends one encoded request on connection `connection` (0 ≤ connection < connections). */
  export(body: Uint8Array, connection: number): Promise<ExportOutcome>;
  close(): void;
}

export const INITIAL_BACKOFF_MILLIS = 100;
export const MAX_BACKOFF_MILLIS = 5000;

/** Exponential backoff with full jitter: retries from many connections must not move in lockstep. */
export function backoffMillis(attempt: number): number {
  const ceiling = Math.min(MAX_BACKOFF_MILLIS, INITIAL_BACKOFF_MILLIS * 2 ** attempt);
  return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
}

/** `Retry-After`: delay-seconds or an HTTP date (RFC 9110 §10.2.3); undefined when absent or unusable. */
export function parseRetryAfter(header: string | undefined, now = Date.now()): number | undefined {
  if (header === undefined || header.trim() === '') return undefined;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * RetryInfo.retry_delay from a gRPC `grpc-status-details-bin` (a google.rpc.Status whose details
 * hold Any messages). Hand-parsed: three nested messages do not justify a protobuf library.
 */
export function retryDelayFromStatusDetails(bytes: Uint8Array): number | undefined {
  try {
    for (const detail of fields(bytes, 3)) {
      const typeUrl = fields(detail, 1)[0];
      if (typeUrl === undefined || !Buffer.from(typeUrl).toString('utf8').endsWith('google.rpc.RetryInfo')) continue;
      const value = fields(detail, 2)[0];
      const duration = value === undefined ? undefined : fields(value, 1)[0];
      if (duration === undefined) return 0;
      const { seconds, nanos } = durationOf(duration);
      return seconds * 1000 + Math.round(nanos / 1e6);
    }
  } catch {
    // A malformed detail is no reason to fail the export: fall back to backoff.
  }
  return undefined;
}

/** Length-delimited fields with the given number (other wire types skipped). */
function fields(bytes: Uint8Array, wanted: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  let pos = 0;
  const varint = (): number => {
    let result = 0;
    let shift = 0;
    for (;;) {
      if (pos >= bytes.length) throw new Error('truncated varint');
      const b = bytes[pos++]!;
      result += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return result;
      shift += 7;
    }
  };
  while (pos < bytes.length) {
    const tag = varint();
    const wire = tag & 7;
    if (wire === 0) varint();
    else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else if (wire === 2) {
      const length = varint();
      if (tag >>> 3 === wanted) out.push(bytes.subarray(pos, pos + length));
      pos += length;
    } else throw new Error(`unsupported wire type ${wire}`);
  }
  return out;
}

function durationOf(bytes: Uint8Array): { seconds: number; nanos: number } {
  let seconds = 0;
  let nanos = 0;
  let pos = 0;
  while (pos < bytes.length) {
    const tag = bytes[pos++]!;
    let value = 0;
    let shift = 0;
    for (;;) {
      const b = bytes[pos++] ?? 0;
      value += (b & 0x7f) * 2 ** shift;
      shift += 7;
      if (b < 0x80) break;
    }
    if (tag === 0x08) seconds = value;
    else if (tag === 0x10) nanos = value;
  }
  return { seconds, nanos };
}
