import {
  decodeOtlpJsonEnvelope,
  resourceToOtlpJson,
  schemaUrlOf,
  scopeToOtlpJson,
  type OtlpJsonLevels,
  type OtlpJsonResource,
  type OtlpJsonScope,
} from './otlp-json-envelope.js';
import { spanFromOtlpJson, spanToOtlpJson, type OtlpJsonSpan } from './otlp-json-span.js';
import { groupByResourceAndScope } from './resource-scope-groups.js';
import type { Span } from './span.js';
import { DEFAULT_TENANT, type TenantId } from './tenant.js';

/** OTLP JSON `TracesData` / `ExportTraceServiceRequest`. */
export interface OtlpJsonTracesData {
  resourceSpans: OtlpJsonResourceSpans[];
}

export interface OtlpJsonResourceSpans {
  resource: OtlpJsonResource;
  scopeSpans: OtlpJsonScopeSpans[];
  schemaUrl?: string;
}

export interface OtlpJsonScopeSpans {
  scope: OtlpJsonScope;
  spans: OtlpJsonSpan[];
  schemaUrl?: string;
}

const TRACES_LEVELS: OtlpJsonLevels = {
  resources: ['resourceSpans', 'resource_spans'],
  scopes: ['scopeSpans', 'scope_spans'],
  items: ['spans', 'spans'],
};

/** Spans → OTLP JSON, regrouped by resource and scope. */
export function encodeOtlpJsonTraces(spans: readonly Span[]): OtlpJsonTracesData {
  return {
    resourceSpans: groupByResourceAndScope(spans).map((group) => ({
      resource: resourceToOtlpJson(group.resource),
      scopeSpans: group.scopes.map(({ scope, spans: scopeSpans }) => ({
        scope: scopeToOtlpJson(scope),
        spans: scopeSpans.map(spanToOtlpJson),
        ...schemaUrlOf(scope),
      })),
      ...schemaUrlOf(group.resource),
    })),
  };
}

/**
 * OTLP JSON text → spans. Throws {@link OtlpDecodeError} naming the first structural problem
 * (not JSON, wrong types); span-level problems such as bad IDs are left to validation so that
 * one bad span does not reject its request.
 */
export function decodeOtlpJsonTraces(text: string, tenant: TenantId = DEFAULT_TENANT): Span[] {
  return decodeOtlpJsonEnvelope(text, tenant, TRACES_LEVELS, spanFromOtlpJson);
}
