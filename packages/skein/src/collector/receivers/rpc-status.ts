import type { RpcStatus } from '../pipeline/consume-status.js';

/**
 * `google.rpc.Status` (code=1, message=2, details=3 as `google.protobuf.Any`) with an optional
 * `google.rpc.RetryInfo` detail. OTLP/HTTP sends it as the body of every error response, and
 * gRPC carries it in the `grpc-status-details-bin` trailer so clients find the retry delay.
 */

const RETRY_INFO_TYPE_URL = 'type.googleapis.com/google.rpc.RetryInfo';

function varint(value: number): number[] {
  const out: number[] = [];
  let v = value;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

function lengthDelimited(field: number, payload: Uint8Array | number[]): number[] {
  return [(field << 3) | 2, ...varint(payload.length), ...payload];
}

/** RetryInfo { retry_delay: Duration { seconds = 1, nanos = 2 } } */
function encodeRetryInfo(retryAfterMillis: number): number[] {
  const seconds = Math.floor(retryAfterMillis / 1000);
  const nanos = (retryAfterMillis % 1000) * 1_000_000;
  const duration: number[] = [];
  if (seconds > 0) duration.push(1 << 3, ...varint(seconds));
  if (nanos > 0) duration.push(2 << 3, ...varint(nanos));
  return lengthDelimited(1, duration);
}

export function encodeRpcStatus(status: RpcStatus): Buffer {
  const bytes: number[] = [];
  if (status.code !== 0) bytes.push(1 << 3, ...varint(status.code));
  if (status.message !== '') bytes.push(...lengthDelimited(2, Buffer.from(status.message, 'utf8')));
  if (status.retryAfterMillis !== undefined) {
    const any = [...lengthDelimited(1, Buffer.from(RETRY_INFO_TYPE_URL)), ...lengthDelimited(2, encodeRetryInfo(status.retryAfterMillis))];
    bytes.push(...lengthDelimited(3, any));
  }
  return Buffer.from(bytes);
}

/** The proto3 JSON form of the same status (OTLP/HTTP JSON error bodies). */
export function rpcStatusToJson(status: RpcStatus): object {
  const json: { code: number; message: string; details?: object[] } = { code: status.code, message: status.message };
  if (status.retryAfterMillis !== undefined) {
    json.details = [{ '@type': RETRY_INFO_TYPE_URL, retryDelay: `${(status.retryAfterMillis / 1000).toFixed(3)}s` }];
  }
  return json;
}
