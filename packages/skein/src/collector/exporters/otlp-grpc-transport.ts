import { readFileSync } from 'node:fs';
import { Client, credentials, Metadata, status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import { decodeExportTraceServiceResponse } from '../../model/otlp-proto-encode.js';
import { tenantHeaders, type ExportPayload, type OtlpTransport, type SendOutcome } from './otlp-transport.js';
import { decodeRpcStatus } from './rpc-status-details.js';

const EXPORT_METHOD = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';

/**
 * Retryable gRPC codes (OTLP specification). RESOURCE_EXHAUSTED is retryable only when the server
 * sent RetryInfo: without it, it means "this request is too big", which no retry fixes.
 */
const RETRYABLE_CODES = new Set<number>([
  GrpcStatus.CANCELLED,
  GrpcStatus.DEADLINE_EXCEEDED,
  GrpcStatus.ABORTED,
  GrpcStatus.OUT_OF_RANGE,
  GrpcStatus.UNAVAILABLE,
  GrpcStatus.DATA_LOSS,
]);

export interface OtlpGrpcTransportOptions {
  /** `host:port`, or `http://host:port` / `https://host:port`. */
  endpoint: string;
  /** Plain-text HTTP/2 (the Collector's `tls.insecure`); an `http://` endpoint implies it. */
  insecure: boolean;
  caFile?: string;
  /** Skips verification of the server's certificate (the Collector's `tls.insecure_skip_verify`; tests and labs). */
  insecureSkipVerify?: boolean;
  compression: 'gzip' | 'none';
  headers: Readonly<Record<string, string>>;
  timeoutMillis: number;
}

/** OTLP/gRPC client: raw protobuf bytes through `TraceService/Export` on one HTTP/2 channel. */
export class OtlpGrpcTransport implements OtlpTransport {
  readonly destination: string;
  private readonly client: Client;
  private readonly metadata = new Metadata();

  constructor(private readonly options: OtlpGrpcTransportOptions) {
    const { address, secure } = parseGrpcEndpoint(options.endpoint, options.insecure);
    this.destination = address;
    const channelCredentials = secure
      ? credentials.createSsl(
          options.caFile === undefined ? null : readFileSync(options.caFile),
          null,
          null,
          options.insecureSkipVerify === true ? { rejectUnauthorized: false } : {},
        )
      : credentials.createInsecure();
    this.client = new Client(address, channelCredentials, {
      'grpc.max_send_message_length': -1,
      'grpc.max_receive_message_length': -1,
      // grpc-js backs off reconnects up to 120 s by default; a backend restarting behind the
      // load balancer must be found again within seconds, or its traces pile up in our queue.
      'grpc.initial_reconnect_backoff_ms': 250,
      'grpc.max_reconnect_backoff_ms': 5_000,
      ...(options.compression === 'gzip' && { 'grpc.default_compression_algorithm': 2 }),
    });
    for (const [key, value] of Object.entries(options.headers)) this.metadata.set(key.toLowerCase(), value);
  }

  send(payload: ExportPayload): Promise<SendOutcome> {
    const proto = payload.proto();
    const metadata = this.metadata.clone();
    for (const [key, value] of Object.entries(tenantHeaders(payload.tenant))) metadata.set(key.toLowerCase(), value);
    return new Promise((resolve) => {
      this.client.makeUnaryRequest(
        EXPORT_METHOD,
        (bytes: Buffer) => bytes,
        (bytes: Buffer) => bytes,
        Buffer.from(proto.buffer, proto.byteOffset, proto.byteLength),
        metadata,
        { deadline: Date.now() + this.options.timeoutMillis },
        (error: ServiceError | null, response?: Buffer) => {
          if (error) {
            resolve(this.outcomeOfError(error));
            return;
          }
          try {
            const partial = decodeExportTraceServiceResponse(response ?? Buffer.alloc(0));
            resolve({ kind: 'accepted', rejectedSpans: Number(partial?.rejectedSpans ?? 0n), errorMessage: partial?.errorMessage ?? '' });
          } catch {
            resolve({ kind: 'accepted', rejectedSpans: 0, errorMessage: '' });
          }
        },
      );
    });
  }

  close(): void {
    this.client.close();
  }

  private outcomeOfError(error: ServiceError): SendOutcome {
    const message = `${this.destination}: ${GrpcStatus[error.code] ?? error.code}: ${error.details}`;
    const details = error.metadata?.get('grpc-status-details-bin')[0];
    const retryDelayMillis = Buffer.isBuffer(details) ? decodeRpcStatus(details)?.retryDelayMillis : undefined;
    const throttled = error.code === GrpcStatus.RESOURCE_EXHAUSTED;
    if (!RETRYABLE_CODES.has(error.code) && !(throttled && retryDelayMillis !== undefined)) return { kind: 'failed', message };
    return { kind: 'retry', throttled, message, ...(retryDelayMillis !== undefined && { retryAfterMillis: retryDelayMillis }) };
  }
}

/** `host:port` or a URL → the gRPC target and whether to use TLS. */
export function parseGrpcEndpoint(endpoint: string, insecure: boolean): { address: string; secure: boolean } {
  if (!endpoint.includes('://')) return { address: endpoint, secure: !insecure };
  const url = new URL(endpoint);
  const secure = url.protocol === 'https:' && !insecure;
  // URL.hostname keeps an IPv6 address in brackets, as a gRPC target wants it.
  return { address: `${url.hostname}:${url.port || (secure ? '443' : '4317')}`, secure };
}
