import { partitionValidSpans, type ValidationOutcome } from '../../model/validate-span.js';
import type { Span } from '../../model/span.js';
import type { AdmissionTicket } from '../pipeline/admission-ticket.js';
import type { Consumer, ConsumeResult, SpanConsumer } from '../pipeline/consume-result.js';
import type { ReceiverTelemetry } from './receiver-telemetry.js';

/** What one OTLP export request came to, independent of the transport (counts are of the signal's items). */
export type ExportOutcome =
  | { readonly outcome: 'accepted'; readonly acceptedSpans: number; readonly rejectedSpans: number; readonly errorMessage: string }
  | Exclude<ConsumeResult, { outcome: 'success' }>;

/**
 * The receiver half shared by OTLP/HTTP, OTLP/gRPC and Zipkin: validate each span, hand the valid
 * ones to the pipeline, and answer only once the pipeline has them safe. Invalid spans are reported
 * (OTLP partial success) and never block the valid ones of the same request. Counts received,
 * accepted and refused spans into `telemetry`.
 */
export function exportTraces(
  spans: Span[],
  pipeline: SpanConsumer,
  telemetry?: ReceiverTelemetry,
  ticket?: AdmissionTicket,
): Promise<ExportOutcome> {
  return exportItems(spans, partitionValidSpans, pipeline, telemetry, ticket);
}

/**
 * {@link exportTraces} for any signal: its validation, its consumer. `ticket` (the request's
 * admission at its headers) is settled with the valid items just before they are handed over.
 */
export async function exportItems<T>(
  items: T[],
  partition: (items: readonly T[]) => ValidationOutcome<T>,
  pipeline: Consumer<T>,
  telemetry?: ReceiverTelemetry,
  ticket?: AdmissionTicket,
): Promise<ExportOutcome> {
  telemetry?.received(items.length);
  const { valid, rejectedCount, errorMessage } = partition(items);
  telemetry?.rejectedInvalid(rejectedCount);
  let refusedLater = 0;
  let refusedLaterMessage = '';
  ticket?.settle(valid.length);
  if (valid.length > 0) {
    const result = await pipeline.consume(valid);
    if (result.outcome !== 'success') {
      telemetry?.refused(result.outcome === 'failure' ? 'internal' : result.reason, valid.length);
      return result;
    }
    refusedLater = result.rejectedSpans ?? 0;
    refusedLaterMessage = result.rejectedMessage ?? '';
  }
  telemetry?.accepted(valid.length - refusedLater);
  return {
    outcome: 'accepted',
    acceptedSpans: valid.length - refusedLater,
    rejectedSpans: rejectedCount + refusedLater,
    errorMessage: [errorMessage, refusedLaterMessage].filter((text) => text !== '').join('; '),
  };
}
