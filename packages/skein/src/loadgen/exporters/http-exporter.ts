import http from 'node:http';
import https from 'node:https';
import { decodeExportTraceServiceResponse } from '../../model/otlp-proto-encode.js';
import { parseRetryAfterHeader } from '../../model/rpc-status.js';
import type { ExportOutcome, Exporter } from './export-outcome.js';

/**
 * OTLP/HTTP sender (protobuf or JSON) over keep-alive connections: one agent with `connections`
 * sockets, so N workers each keep one connection busy, as N SDK exporters would.
 */

/** OTLP/HTTP: 429, 502, 503 and 504 are retryable; the rest of 4xx/5xx are not. */
const RETRYABLE = new Set([429, 502, 503, 504]);

export interface HttpExporterOptions {
  url: string;
  encoding: 'protobuf' | 'json';
  connections: number;
  timeoutMillis: number;
  headers: Record<string, string>;
}

export function createHttpExporter(options: HttpExporterOptions): Exporter {
  const url = new URL(options.url);
  const secure = url.protocol === 'https:';
  const agentOptions = { keepAlive: true, maxSockets: options.connections, maxFreeSockets: options.connections };
  const agent = secure ? new https.Agent(agentOptions) : new http.Agent(agentOptions);
  const request = secure ? https.request : http.request;
  const contentType = options.encoding === 'json' ? 'application/json' : 'application/x-protobuf';

  const send = (body: Uint8Array): Promise<ExportOutcome> =>
    new Promise((resolve) => {
      const req = request(
        url,
        {
          method: 'POST',
          agent,
          timeout: options.timeoutMillis,
          headers: { ...options.headers, 'Content-Type': contentType, 'Content-Length': String(body.byteLength) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', (error) => resolve({ kind: 'retry', reason: `response: ${error.message}` }));
          res.on('end', () => resolve(outcomeOf(res.statusCode ?? 0, res.headers['retry-after'], Buffer.concat(chunks), options.encoding)));
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${options.timeoutMillis} ms`)));
      // Connection refused/reset: the server may be restarting or overloaded; OTel SDKs retry these.
      req.on('error', (error) => resolve({ kind: 'retry', reason: error.message }));
      req.end(body);
    });

  return {
    protocol: options.encoding === 'json' ? 'http/json' : 'http/protobuf',
    export: (body) => send(body),
    close: () => agent.destroy(),
  };
}

function outcomeOf(status: number, retryAfter: string | undefined, body: Buffer, encoding: 'protobuf' | 'json'): ExportOutcome {
  if (status >= 200 && status < 300) {
    try {
      const partial = encoding === 'json' ? partialSuccessFromJson(body) : decodeExportTraceServiceResponse(body);
      return { kind: 'accepted', rejectedSpans: Number(partial?.rejectedSpans ?? 0n), errorMessage: partial?.errorMessage ?? '' };
    } catch (error) {
      // The data was accepted even if the answer is odd; count it as such but say why.
      return { kind: 'accepted', rejectedSpans: 0, errorMessage: `undecodable response: ${(error as Error).message}` };
    }
  }
  const text = body
    .subarray(0, 300)
    .toString('utf8')
    .replace(/[^\x20-\x7e]+/g, ' ')
    .trim();
  const reason = `HTTP ${status}${text === '' ? '' : `: ${text}`}`;
  if (!RETRYABLE.has(status)) return { kind: 'failed', reason };
  const delay = parseRetryAfterHeader(retryAfter);
  return delay === undefined ? { kind: 'retry', reason } : { kind: 'retry', reason, delayMillis: delay };
}

function partialSuccessFromJson(body: Buffer): { rejectedSpans: bigint; errorMessage: string } | undefined {
  if (body.length === 0) return undefined;
  const parsed = JSON.parse(body.toString('utf8')) as { partialSuccess?: { rejectedSpans?: string | number; errorMessage?: string } };
  const partial = parsed.partialSuccess;
  if (partial === undefined) return undefined;
  return { rejectedSpans: BigInt(partial.rejectedSpans ?? 0), errorMessage: partial.errorMessage ?? '' };
}
