import { partitionValidSpans } from '../../model/validate-span.js';
import type { Span } from '../../model/span.js';
import type { ConsumeResult, SpanConsumer } from '../pipeline/consume-result.js';

/** What one OTLP export request came to, independent of the transport. */
export type ExportOutcome =
  | { readonly outcome: 'accepted'; readonly acceptedSpans: number; readonly rejectedSpans: number; readonly errorMessage: string }
  | Exclude<ConsumeResult, { outcome: 'success' }>;

/**
 * The receiver half shared by OTLP/HTTP and OTLP/gRPC: validate each span, hand the valid ones to
 * the pipeline, and answer only once the pipeline has them safe. Invalid spans are reported
 * (OTLP partial success) and never block the valid ones of the same request.
 */
export async function exportTraces(spans: Span[], pipeline: SpanConsumer): Promise<ExportOutcome> {
  const { valid, rejectedCount, errorMessage } = partitionValidSpans(spans);
  if (valid.length > 0) {
    const result = await pipeline.consume(valid);
    if (result.outcome !== 'success') return result;
  }
  return { outcome: 'accepted', acceptedSpans: valid.length, rejectedSpans: rejectedCount, errorMessage };
}
