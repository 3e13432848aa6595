import { Client, credentials, Metadata, status as grpcStatus, type ServiceError } from '@grpc/grpc-js';
import { decodeExportTraceServiceResponse } from '../../model/otlp-proto-encode.js';
import { decodeRpcStatus } from '../../model/rpc-status.js';
import type { ExportOutcome, Exporter } from './export-outcome.js';

/**
 * OTLP/gRPC sender: raw protobuf bytes through `TraceService/Export`, one HTTP/2 connection per
 * `connection` (a local subchannel pool each, or grpc-js would share one connection among them).
 */

const EXPORT_PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';

/** OTLP/gRPC retryable codes (RESOURCE_EXHAUSTED only in practice with RetryInfo; we retry it with backoff anyway). */
const RETRYABLE = new Set<number>([
  grpcStatus.CANCELLED,
  grpcStatus.DEADLINE_EXCEEDED,
  grpcStatus.RESOURCE_EXHAUSTED,
  grpcStatus.ABORTED,
  grpcStatus.OUT_OF_RANGE,
  grpcStatus.UNAVAILABLE,
  grpcStatus.DATA_LOSS,
]);

export interface GrpcExporterOptions {
  /** host:port, or a URL (http://host:port, https://… for TLS). */
  target: string;
  connections: number;
  timeoutMillis: number;
  headers: Record<string, string>;
}

export function createGrpcExporter(options: GrpcExporterOptions): Exporter {
  const { address, secure } = parseTarget(options.target);
  const clients = Array.from(
    { length: options.connections },
    () =>
      new Client(address, secure ? credentials.createSsl() : credentials.createInsecure(), {
        'grpc.use_local_subchannel_pool': 1,
        'grpc.max_send_message_length': -1,
        'grpc.max_receive_message_length': -1,
      }),
  );
  const metadata = new Metadata();
  for (const [key, value] of Object.entries(options.headers)) metadata.set(key.toLowerCase(), value);

  const send = (body: Uint8Array, connection: number): Promise<ExportOutcome> =>
    new Promise((resolve) => {
      const client = clients[connection % clients.length]!;
      client.makeUnaryRequest(
        EXPORT_PATH,
        (b: Buffer) => b,
        (b: Buffer) => b,
        Buffer.from(body.buffer, body.byteOffset, body.byteLength),
        metadata.clone(),
        { deadline: Date.now() + options.timeoutMillis },
        (error: ServiceError | null, response?: Buffer) => {
          if (error) {
            resolve(outcomeOfError(error));
            return;
          }
          try {
            const partial = decodeExportTraceServiceResponse(response ?? Buffer.alloc(0));
            resolve({ kind: 'accepted', rejectedSpans: Number(partial?.rejectedSpans ?? 0n), errorMessage: partial?.errorMessage ?? '' });
          } catch (decodeError) {
            resolve({ kind: 'accepted', rejectedSpans: 0, errorMessage: `undecodable response: ${(decodeError as Error).message}` });
          }
        },
      );
    });

  return {
    protocol: 'grpc',
    export: send,
    close: () => {
      for (const client of clients) client.close();
    },
  };
}

function outcomeOfError(error: ServiceError): ExportOutcome {
  const reason = `${grpcStatus[error.code] ?? error.code}: ${error.details}`;
  if (!RETRYABLE.has(error.code)) return { kind: 'failed', reason };
  const details = error.metadata?.get('grpc-status-details-bin')[0];
  const delay = Buffer.isBuffer(details) ? decodeRpcStatus(details)?.retryDelayMillis : undefined;
  return delay === undefined ? { kind: 'retry', reason } : { kind: 'retry', reason, delayMillis: delay };
}

export function parseTarget(target: string): { address: string; secure: boolean } {
  if (!target.includes('://')) return { address: target, secure: false };
  const url = new URL(target);
  const port = url.port || (url.protocol === 'https:' ? '443' : '4317');
  return { address: `${url.hostname}:${port}`, secure: url.protocol === 'https:' };
}
