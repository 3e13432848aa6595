import { keyValuesToOtlpJson, resourceToJson, scopeToJson, type OtlpJsonKeyValue } from '../model/otlp-json.js';
import { SPAN_KIND_NAMES, STATUS_CODE_NAMES, serviceNameOf, type InstrumentationScope, type Resource, type Span } from '../model/span.js';
import type { TraceSummary } from '../storage/trace-store.js';

/**
 * The native API's trace shape. Attribute values keep OTLP JSON's typed form (`{"intValue":"7"}`)
 * so nothing is lost; times are decimal strings of nanoseconds (they exceed 2^53); resources and
 * scopes are listed once and referenced by index, as Jaeger does with processes.
 */
export interface NativeTrace {
  traceId: string;
  spans: NativeSpan[];
  resources: ReturnType<typeof resourceToJson>[];
  scopes: ReturnType<typeof scopeToJson>[];
}

export interface NativeSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  traceState: string;
  flags: number;
  name: string;
  kind: (typeof SPAN_KIND_NAMES)[number];
  serviceName: string;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  durationNano: string;
  attributes: OtlpJsonKeyValue[];
  droppedAttributesCount: number;
  events: { timeUnixNano: string; name: string; attributes: OtlpJsonKeyValue[]; droppedAttributesCount: number }[];
  droppedEventsCount: number;
  links: {
    traceId: string;
    spanId: string;
    traceState: string;
    flags: number;
    attributes: OtlpJsonKeyValue[];
    droppedAttributesCount: number;
  }[];
  droppedLinksCount: number;
  status: { code: (typeof STATUS_CODE_NAMES)[number]; message: string };
  resourceIndex: number;
  scopeIndex: number;
}

export function toNativeTrace(traceId: string, spans: readonly Span[]): NativeTrace {
  const resources = new Indexer<Resource, ReturnType<typeof resourceToJson>>(resourceToJson);
  const scopes = new Indexer<InstrumentationScope, ReturnType<typeof scopeToJson>>(scopeToJson);
  return {
    traceId,
    spans: spans.map((span) => ({
      traceId: span.traceId,
      spanId: span.spanId,
      parentSpanId: span.parentSpanId,
      traceState: span.traceState,
      flags: span.flags,
      name: span.name,
      kind: SPAN_KIND_NAMES[span.kind],
      serviceName: serviceNameOf(span.resource),
      startTimeUnixNano: span.startTimeUnixNano.toString(),
      endTimeUnixNano: span.endTimeUnixNano.toString(),
      durationNano: (span.endTimeUnixNano - span.startTimeUnixNano).toString(),
      attributes: keyValuesToOtlpJson(span.attributes),
      droppedAttributesCount: span.droppedAttributesCount,
      events: span.events.map((event) => ({
        timeUnixNano: event.timeUnixNano.toString(),
        name: event.name,
        attributes: keyValuesToOtlpJson(event.attributes),
        droppedAttributesCount: event.droppedAttributesCount,
      })),
      droppedEventsCount: span.droppedEventsCount,
      links: span.links.map((link) => ({
        traceId: link.traceId,
        spanId: link.spanId,
        traceState: link.traceState,
        flags: link.flags,
        attributes: keyValuesToOtlpJson(link.attributes),
        droppedAttributesCount: link.droppedAttributesCount,
      })),
      droppedLinksCount: span.droppedLinksCount,
      status: { code: STATUS_CODE_NAMES[span.status.code], message: span.status.message },
      resourceIndex: resources.indexOf(span.resource),
      scopeIndex: scopes.indexOf(span.scope),
    })),
    resources: resources.values,
    scopes: scopes.values,
  };
}

/** Lists each distinct value once (by its JSON), handing out positions. */
export class Indexer<T extends object, J> {
  readonly values: J[] = [];
  private readonly byObject = new Map<T, number>();
  private readonly byJson = new Map<string, number>();
  constructor(private readonly toJson: (value: T) => J) {}

  indexOf(value: T): number {
    const known = this.byObject.get(value);
    if (known !== undefined) return known;
    const json = this.toJson(value);
    const key = JSON.stringify(json);
    let index = this.byJson.get(key);
    if (index === undefined) {
      index = this.values.length;
      this.values.push(json);
      this.byJson.set(key, index);
    }
    this.byObject.set(value, index);
    return index;
  }
}

export function toNativeSummary(summary: TraceSummary): object {
  return {
    traceId: summary.traceId,
    rootServiceName: summary.rootServiceName,
    rootSpanName: summary.rootSpanName,
    rootSpanMissing: summary.rootSpanMissing,
    startTimeUnixNano: summary.startTimeUnixNano.toString(),
    durationNano: summary.durationNano.toString(),
    skewCorrected: summary.skewCorrected,
    spanCount: summary.spanCount,
    errorCount: summary.errorCount,
    services: summary.services,
  };
}
