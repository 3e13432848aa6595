import { MessageSchema, ProtoReader, WireType } from './protobuf-reader.js';

/**
 * Reads a `google.rpc.Status` (code 1, message 2, details 3 as `google.protobuf.Any`) as OTLP
 * servers send it: the body of an OTLP/HTTP error, the `grpc-status-details-bin` trailer of a
 * gRPC error. What the exporter needs from it is the message (for the log and the upstream error)
 * and `google.rpc.RetryInfo.retry_delay`, the server's own retry hint.
 */

const STATUS = new MessageSchema('google.rpc.Status', [
  [1, 'code', WireType.VARINT],
  [2, 'message', WireType.LEN],
  [3, 'details', WireType.LEN],
]);
const ANY = new MessageSchema('google.protobuf.Any', [
  [1, 'type_url', WireType.LEN],
  [2, 'value', WireType.LEN],
]);
const RETRY_INFO = new MessageSchema('google.rpc.RetryInfo', [[1, 'retry_delay', WireType.LEN]]);
const DURATION = new MessageSchema('google.protobuf.Duration', [
  [1, 'seconds', WireType.VARINT],
  [2, 'nanos', WireType.VARINT],
]);

export interface RpcStatusDetails {
  code: number;
  message: string;
  /** RetryInfo.retry_delay in milliseconds, when the server sent one. */
  retryDelayMillis?: number;
}

/** Undefined when the bytes are not a `google.rpc.Status` (a proxy's HTML error page, say). */
export function decodeRpcStatus(bytes: Uint8Array): RpcStatusDetails | undefined {
  try {
    const reader = new ProtoReader(bytes);
    const end = bytes.length;
    const status: RpcStatusDetails = { code: 0, message: '' };
    while (reader.pos < end) {
      const tag = reader.tag(end, STATUS);
      if (tag === ((1 << 3) | WireType.VARINT)) status.code = reader.uint32(end, 'google.rpc.Status.code');
      else if (tag === ((2 << 3) | WireType.LEN)) status.message = reader.string(end, 'google.rpc.Status.message');
      else if (tag === ((3 << 3) | WireType.LEN)) {
        const delay = retryDelayOfAny(reader, reader.lengthEnd(end, 'google.rpc.Status.details'));
        if (delay !== undefined) status.retryDelayMillis = delay;
      } else reader.skipUnknown(tag, end, STATUS);
    }
    return status;
  } catch {
    return undefined;
  }
}

function retryDelayOfAny(reader: ProtoReader, end: number): number | undefined {
  let typeUrl = '';
  let valueStart = -1;
  let valueEnd = -1;
  while (reader.pos < end) {
    const tag = reader.tag(end, ANY);
    if (tag === ((1 << 3) | WireType.LEN)) typeUrl = reader.string(end, 'google.protobuf.Any.type_url');
    else if (tag === ((2 << 3) | WireType.LEN)) {
      valueEnd = reader.lengthEnd(end, 'google.protobuf.Any.value');
      valueStart = reader.pos;
      reader.pos = valueEnd;
    } else reader.skipUnknown(tag, end, ANY);
  }
  if (!typeUrl.endsWith('/google.rpc.RetryInfo') || valueStart < 0) return undefined;
  const after = reader.pos;
  reader.pos = valueStart;
  let millis = 0;
  while (reader.pos < valueEnd) {
    const tag = reader.tag(valueEnd, RETRY_INFO);
    if (tag !== ((1 << 3) | WireType.LEN)) {
      reader.skipUnknown(tag, valueEnd, RETRY_INFO);
      continue;
    }
    const durationEnd = reader.lengthEnd(valueEnd, 'google.rpc.RetryInfo.retry_delay');
    while (reader.pos < durationEnd) {
      const field = reader.tag(durationEnd, DURATION);
      if (field === ((1 << 3) | WireType.VARINT)) millis += Number(reader.int64(durationEnd, 'google.protobuf.Duration.seconds')) * 1000;
      else if (field === ((2 << 3) | WireType.VARINT)) millis += reader.uint32(durationEnd, 'google.protobuf.Duration.nanos') / 1e6;
      else reader.skipUnknown(field, durationEnd, DURATION);
    }
  }
  reader.pos = after;
  return Math.max(0, Math.round(millis));
}

/** `Retry-After`: delay-seconds or an HTTP date (RFC 9110 §10.2.3); undefined when absent or unusable. */
export function parseRetryAfterHeader(header: string | undefined, now = Date.now()): number | undefined {
  const text = header?.trim();
  if (text === undefined || text === '') return undefined;
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
