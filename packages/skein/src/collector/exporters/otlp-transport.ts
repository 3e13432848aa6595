import { encodeOtlpJsonTraces } from '../../model/otlp-json.js';
import { decodeOtlpProtoTraces } from '../../model/otlp-proto-decode.js';
import { encodeOtlpProtoTraces } from '../../model/otlp-proto-encode.js';
import type { Span } from '../../model/span.js';
import { DEFAULT_TENANT, type TenantId } from '../../model/tenant.js';

/**
 * One OTLP export request on its way out, all of one tenant (the exporter splits batches by tenant,
 * and the tenant travels as `X-Scope-OrgID`: OTLP bytes have no place for it). It holds spans
 * (in-memory queue) or the protobuf bytes already written to disk (persistent queue), and converts
 * lazily and once: a request replayed from disk over gRPC is never decoded, a request from memory
 * is encoded only when sent.
 */
export class ExportPayload {
  private spanList: Span[] | undefined;
  private protoBytes: Uint8Array | undefined;

  private constructor(
    readonly tenant: TenantId,
    readonly spanCount: number,
    spans: Span[] | undefined,
    proto: Uint8Array | undefined,
  ) {
    this.spanList = spans;
    this.protoBytes = proto;
  }

  /** Spans of one tenant (the first span's: callers split by tenant first). */
  static ofSpans(spans: Span[]): ExportPayload {
    return new ExportPayload(spans[0]?.resource.tenant ?? DEFAULT_TENANT, spans.length, spans, undefined);
  }

  static ofProto(proto: Uint8Array, spanCount: number, tenant: TenantId): ExportPayload {
    return new ExportPayload(tenant, spanCount, undefined, proto);
  }

  spans(): Span[] {
    this.spanList ??= decodeOtlpProtoTraces(this.protoBytes!, this.tenant);
    return this.spanList;
  }

  proto(): Uint8Array {
    this.protoBytes ??= encodeOtlpProtoTraces(this.spanList!);
    return this.protoBytes;
  }

  json(): Uint8Array {
    return Buffer.from(JSON.stringify(encodeOtlpJsonTraces(this.spans())));
  }
}

/** What one send attempt came to (OTLP specification, "Retryable response codes" and "Throttling"). */
export type SendOutcome =
  /** Taken; `rejectedSpans` of them refused one by one (OTLP partial_success). */
  | { readonly kind: 'accepted'; readonly rejectedSpans: number; readonly errorMessage: string }
  /**
   * Not taken now, worth retrying: the downstream is throttling (429 / RESOURCE_EXHAUSTED) or is
   * unavailable (connection refused, 503, UNAVAILABLE, timeout). `retryAfterMillis` is its hint.
   */
  | { readonly kind: 'retry'; readonly throttled: boolean; readonly message: string; readonly retryAfterMillis?: number }
  /** Refused for good (400, INVALID_ARGUMENT…): sending the same data again cannot help. */
  | { readonly kind: 'failed'; readonly message: string };

/** An OTLP client for one destination: OTLP/gRPC or OTLP/HTTP. */
export interface OtlpTransport {
  /** The destination, for logs and errors. */
  readonly destination: string;
  send(payload: ExportPayload): Promise<SendOutcome>;
  close(): void;
}

/** Tempo's and Skein's tenant header; not sent for the default tenant, so single-tenant traffic is as before. */
export function tenantHeaders(tenant: TenantId): Record<string, string> {
  return tenant === DEFAULT_TENANT ? {} : { 'X-Scope-OrgID': tenant };
}
