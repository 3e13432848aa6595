import { connect } from 'node:http2';

export const OTLP_EXPORT_PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';

export interface RawGrpcAnswer {
  /** grpc-status from the trailers (or the headers of a trailers-only answer); undefined when none came. */
  status: number | undefined;
  message: string;
}

/**
 * One unary gRPC call written by hand over HTTP/2, so tests can send what no gRPC client would:
 * a message flagged compressed that is not, a truncated frame, any headers.
 */
export function rawGrpcCall(
  port: number,
  body: Buffer,
  options: { path?: string; headers?: Record<string, string>; timeoutMillis?: number } = {},
): Promise<RawGrpcAnswer> {
  return new Promise((resolve, reject) => {
    const session = connect(`http://127.0.0.1:${port}`);
    const timer = setTimeout(() => {
      session.destroy();
      reject(new Error(`no gRPC answer within ${options.timeoutMillis ?? 10_000} ms`));
    }, options.timeoutMillis ?? 10_000);
    session.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    const stream = session.request({
      ':method': 'POST',
      ':path': options.path ?? OTLP_EXPORT_PATH,
      'content-type': 'application/grpc',
      te: 'trailers',
      ...options.headers,
    });
    let status: number | undefined;
    let message = '';
    const take = (headers: Record<string, unknown>): void => {
      if (headers['grpc-status'] !== undefined) status = Number(headers['grpc-status']);
      if (typeof headers['grpc-message'] === 'string') message = decodeURIComponent(headers['grpc-message']);
    };
    stream.on('response', take);
    stream.on('trailers', take);
    stream.on('data', () => undefined);
    stream.on('error', () => undefined);
    stream.on('close', () => {
      clearTimeout(timer);
      session.close();
      resolve({ status, message });
    });
    stream.end(body);
  });
}

/** A gRPC length-prefixed message: flag byte (1 = compressed), 4-byte big-endian length, payload. */
export function grpcFrame(payload: Buffer, compressed: boolean): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt8(compressed ? 1 : 0, 0);
  header.writeUInt32BE(payload.length, 1);
  return Buffer.concat([header, payload]);
}
