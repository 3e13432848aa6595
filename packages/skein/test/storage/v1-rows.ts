import { resourceToJson, scopeToJson, spanToOtlpJson } from '../../src/model/otlp-json.js';
import { serviceNameOf, type Span } from '../../src/model/span.js';
import type { SqlEngine } from '../../src/storage/sql-engine.js';

/**
 * Writes spans the way schema v1 stored them (its `spans` table only: what the v1 → v2 copy
 * reads), through bound SQL, so the migration test needs no v1 writer in the source tree.
 */
export async function insertV1Spans(engine: SqlEngine, database: string, spans: readonly Span[]): Promise<void> {
  for (const span of spans) {
    const otlp = spanToOtlpJson(span);
    await engine.command(
      `INSERT INTO ${database}.spans (trace_id, span_id, parent_span_id, trace_state, flags, name, kind, start_ns, end_ns,
  duration_ns, status_code, status_message, service_name, attributes_json, dropped_attributes_count, events_json,
  dropped_events_count, links_json, dropped_links_count, resource_json, scope_json)
SELECT {traceId:String}, {spanId:String}, {parentSpanId:String}, {traceState:String}, {flags:UInt32}, {name:String},
  {kind:UInt8}, {start:UInt64}, {end:UInt64}, {duration:UInt64}, {status:UInt8}, {message:String}, {service:String},
  {attributes:String}, {droppedAttributes:UInt32}, {events:String}, {droppedEvents:UInt32}, {links:String},
  {droppedLinks:UInt32}, {resource:String}, {scope:String}`,
      {
        traceId: span.traceId,
        spanId: span.spanId,
        parentSpanId: span.parentSpanId,
        traceState: span.traceState,
        flags: span.flags,
        name: span.name,
        kind: span.kind,
        start: span.startTimeUnixNano,
        end: span.endTimeUnixNano,
        duration: span.endTimeUnixNano > span.startTimeUnixNano ? span.endTimeUnixNano - span.startTimeUnixNano : 0n,
        status: span.status.code,
        message: span.status.message,
        service: serviceNameOf(span.resource),
        attributes: JSON.stringify(otlp.attributes ?? []),
        droppedAttributes: span.droppedAttributesCount,
        events: JSON.stringify(otlp.events ?? []),
        droppedEvents: span.droppedEventsCount,
        links: JSON.stringify(otlp.links ?? []),
        droppedLinks: span.droppedLinksCount,
        resource: JSON.stringify(resourceToJson(span.resource)),
        scope: JSON.stringify(scopeToJson(span.scope)),
      },
    );
  }
}
