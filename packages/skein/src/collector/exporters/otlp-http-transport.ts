import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { decodeExportTraceServiceResponse } from '../../model/otlp-proto-encode.js';
import { tenantHeaders, type ExportPayload, type OtlpTransport, type SendOutcome } from './otlp-transport.js';
import { decodeRpcStatus, parseRetryAfterHeader } from './rpc-status-details.js';

const gzipAsync = promisify(gzip);

/** OTLP/HTTP: 429, 502, 503 and 504 are retryable; every other 4xx/5xx is final. */
const RETRYABLE_STATUSES = new Set([429, 502, 503, 504]);

export interface OtlpHttpTransportOptions {
  /** The full traces URL (`…/v1/traces`). */
  url: string;
  encoding: 'proto' | 'json';
  compression: 'gzip' | 'none';
  headers: Readonly<Record<string, string>>;
  timeoutMillis: number;
  /** Connections kept open at most (one per queue consumer is enough). */
  maxSockets: number;
  /** PEM file of the CA that signed the server's certificate (https only). */
  caFile?: string;
  /** Skips verification of the server's certificate (https only; tests and labs). */
  insecureSkipVerify?: boolean;
}

/** OTLP/HTTP client over keep-alive connections. */
export class OtlpHttpTransport implements OtlpTransport {
  readonly destination: string;
  private readonly url: URL;
  private readonly agent: http.Agent;
  private readonly request: typeof http.request;

  constructor(private readonly options: OtlpHttpTransportOptions) {
    this.url = new URL(options.url);
    this.destination = options.url;
    const secure = this.url.protocol === 'https:';
    const agentOptions = { keepAlive: true, maxSockets: options.maxSockets, maxFreeSockets: options.maxSockets };
    this.agent = secure
      ? new https.Agent({
          ...agentOptions,
          ...(options.caFile !== undefined && { ca: readFileSync(options.caFile) }),
          ...(options.insecureSkipVerify === true && { rejectUnauthorized: false }),
        })
      : new http.Agent(agentOptions);
    this.request = secure ? https.request : http.request;
  }

  async send(payload: ExportPayload): Promise<SendOutcome> {
    const raw = this.options.encoding === 'json' ? payload.json() : payload.proto();
    const body = this.options.compression === 'gzip' ? await gzipAsync(raw) : raw;
    return new Promise<SendOutcome>((resolve) => {
      const headers: Record<string, string> = {
        ...this.options.headers,
        ...tenantHeaders(payload.tenant),
        'Content-Type': this.options.encoding === 'json' ? 'application/json' : 'application/x-protobuf',
        'Content-Length': String(body.byteLength),
      };
      if (this.options.compression === 'gzip') headers['Content-Encoding'] = 'gzip';
      const request = this.request(this.url, { method: 'POST', agent: this.agent, headers }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', (error) => resolve({ kind: 'retry', throttled: false, message: `reading the response: ${error.message}` }));
        response.on('end', () => {
          clearTimeout(timer);
          resolve(outcomeOf(response.statusCode ?? 0, response.headers, Buffer.concat(chunks)));
        });
      });
      // One deadline for the whole exchange (connect, send, answer), like the Collector's `timeout`.
      const timer = setTimeout(
        () => request.destroy(new Error(`no answer within ${this.options.timeoutMillis} ms`)),
        this.options.timeoutMillis,
      );
      // Refused or reset connections and timeouts: the server may be restarting; retry (OTLP spec).
      request.on('error', (error) => {
        clearTimeout(timer);
        resolve({ kind: 'retry', throttled: false, message: `${this.destination}: ${error.message}` });
      });
      request.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

function outcomeOf(status: number, headers: http.IncomingHttpHeaders, body: Buffer): SendOutcome {
  const json = (headers['content-type'] ?? '').includes('json');
  if (status >= 200 && status < 300) {
    try {
      const partial = json ? partialSuccessFromJson(body) : decodeExportTraceServiceResponse(body);
      return { kind: 'accepted', rejectedSpans: Number(partial?.rejectedSpans ?? 0n), errorMessage: partial?.errorMessage ?? '' };
    } catch {
      // The data was taken even if the answer is odd: nothing to retry.
      return { kind: 'accepted', rejectedSpans: 0, errorMessage: '' };
    }
  }
  const rpc = json ? rpcStatusFromJson(body) : decodeRpcStatus(body);
  const text =
    rpc?.message ||
    body
      .subarray(0, 300)
      .toString('utf8')
      .replace(/[^\x20-\x7e]+/g, ' ')
      .trim();
  const message = `HTTP ${status}${text === '' ? '' : `: ${text}`}`;
  if (!RETRYABLE_STATUSES.has(status)) return { kind: 'failed', message };
  const retryAfterMillis = parseRetryAfterHeader(headerValue(headers['retry-after'])) ?? rpc?.retryDelayMillis;
  return { kind: 'retry', throttled: status === 429, message, ...(retryAfterMillis !== undefined && { retryAfterMillis }) };
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function partialSuccessFromJson(body: Buffer): { rejectedSpans: bigint; errorMessage: string } | undefined {
  if (body.length === 0) return undefined;
  const parsed = JSON.parse(body.toString('utf8')) as { partialSuccess?: { rejectedSpans?: string | number; errorMessage?: string } };
  const partial = parsed.partialSuccess;
  return partial && { rejectedSpans: BigInt(partial.rejectedSpans ?? 0), errorMessage: partial.errorMessage ?? '' };
}

function rpcStatusFromJson(body: Buffer): { message: string; retryDelayMillis?: number } | undefined {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { message?: unknown; details?: Array<{ '@type'?: string; retryDelay?: string }> };
    if (typeof parsed.message !== 'string') return undefined;
    const retryInfo = parsed.details?.find((detail) => detail['@type']?.endsWith('/google.rpc.RetryInfo'));
    const seconds = retryInfo?.retryDelay === undefined ? NaN : Number.parseFloat(retryInfo.retryDelay);
    return { message: parsed.message, ...(Number.isFinite(seconds) && { retryDelayMillis: Math.round(seconds * 1000) }) };
  } catch {
    return undefined;
  }
}
