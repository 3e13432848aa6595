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
