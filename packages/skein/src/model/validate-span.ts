import { isValidSpanId, isValidTraceId } from './ids.js';
import type { Span } from './span.js';

const ZERO_SPAN_ID = '0000000000000000';

/**
 * Checks one decoded span against the rules every stored span obeys, and normalises what has
 * one meaning in practice: an all-zero parent span ID means "no parent" (some bridges send it).
 * Returns the reason the span must be rejected, or undefined when it is valid. The reason is sent
 * back to the client in OTLP `partial_success.error_message`, so it names the span and the field.
 */
export function validateSpan(span: Span): string | undefined {
  if (!isValidTraceId(span.traceId)) {
    return `span ${JSON.stringify(span.name)}: invalid trace ID ${JSON.stringify(span.traceId)} (must be 16 bytes / 32 hex digits, not all zero)`;
  }
  if (!isValidSpanId(span.spanId)) {
    return `span ${JSON.stringify(span.name)} in trace ${span.traceId}: invalid span ID ${JSON.stringify(span.spanId)} (must be 8 bytes / 16 hex digits, not all zero)`;
  }
  if (span.parentSpanId === ZERO_SPAN_ID) span.parentSpanId = '';
  if (span.parentSpanId !== '' && !isValidSpanId(span.parentSpanId)) {
    return `span ${span.spanId}: invalid parent span ID ${JSON.stringify(span.parentSpanId)} (must be empty or 8 bytes / 16 hex digits)`;
  }
  if (span.name === '') return `span ${span.spanId}: name is empty`;
  if (span.startTimeUnixNano === 0n) return `span ${span.spanId}: startTimeUnixNano is missing`;
  if (span.endTimeUnixNano < span.startTimeUnixNano) {
    return `span ${span.spanId}: endTimeUnixNano ${span.endTimeUnixNano} is before startTimeUnixNano ${span.startTimeUnixNano}`;
  }
  return undefined;
}

export interface ValidationOutcome<T = Span> {
  valid: T[];
  rejectedCount: number;
  /** The first few reasons, joined: enough to fix a client without flooding the response. */
  errorMessage: string;
}

const MAX_REASONS = 5;

export function partitionValidSpans(spans: readonly Span[]): ValidationOutcome {
  const valid: Span[] = [];
  const reasons: string[] = [];
  let rejectedCount = 0;
  for (const span of spans) {
    const reason = validateSpan(span);
    if (reason === undefined) {
      valid.push(span);
    } else {
      rejectedCount++;
      if (reasons.length < MAX_REASONS) reasons.push(reason);
    }
  }
  let errorMessage = reasons.join('; ');
  if (rejectedCount > reasons.length) errorMessage += `; and ${rejectedCount - reasons.length} more`;
  return { valid, rejectedCount, errorMessage };
}
