/**
 * A body that cannot be decoded as OTLP (or another wire format). The message names the problem
 * and, where known, the location (`resourceSpans[0].scopeSpans[1].spans[3].traceId`, or a byte
 * offset for protobuf), because it is sent back to the client in a 400 / INVALID_ARGUMENT.
 */
export class OtlpDecodeError extends Error {
  override readonly name = 'OtlpDecodeError';
}
