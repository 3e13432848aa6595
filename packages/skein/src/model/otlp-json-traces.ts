import { OtlpDecodeError } from './decode-error.js';
import { parseJsonPreservingInt64 } from './json-int64.js';
import { spanFromOtlpJson, spanToOtlpJson, type OtlpJsonSpan } from './otlp-json-span.js';
import {
  asObject,
  describe,
  keyValuesFromOtlpJson,
  keyValuesToOtlpJson,
  stringField,
  uint32Field,
  type OtlpJsonKeyValue,
} from './otlp-json-values.js';
import { groupByResourceAndScope } from './resource-scope-groups.js';
import type { InstrumentationScope, Resource, Span } from './span.js';
import { DEFAULT_TENANT, type TenantId } from './tenant.js';

/** OTLP JSON `TracesData` / `ExportTraceServiceRequest`. */
export interface OtlpJsonTracesData {
  resourceSpans: OtlpJsonResourceSpans[];
}

export interface OtlpJsonResourceSpans {
  resource: { attributes: OtlpJsonKeyValue[]; droppedAttributesCount?: number };
  scopeSpans: OtlpJsonScopeSpans[];
  schemaUrl?: string;
}

export interface OtlpJsonScopeSpans {
  scope: { name: string; version?: string; attributes?: OtlpJsonKeyValue[]; droppedAttributesCount?: number };
  spans: OtlpJsonSpan[];
  schemaUrl?: string;
}

/** Spans → OTLP JSON, regrouped by resource and scope. */
export function encodeOtlpJsonTraces(spans: readonly Span[]): OtlpJsonTracesData {
  return {
    resourceSpans: groupByResourceAndScope(spans).map((group) => {
      const resourceSpans: OtlpJsonResourceSpans = {
        resource: { attributes: keyValuesToOtlpJson(group.resource.attributes) },
        scopeSpans: group.scopes.map(({ scope, spans: scopeSpans }) => {
          const out: OtlpJsonScopeSpans = { scope: { name: scope.name }, spans: scopeSpans.map(spanToOtlpJson) };
          if (scope.version !== '') out.scope.version = scope.version;
          if (scope.attributes.length > 0) out.scope.attributes = keyValuesToOtlpJson(scope.attributes);
          if (scope.droppedAttributesCount !== 0) out.scope.droppedAttributesCount = scope.droppedAttributesCount;
          if (scope.schemaUrl !== '') out.schemaUrl = scope.schemaUrl;
          return out;
        }),
      };
      if (group.resource.droppedAttributesCount !== 0)
        resourceSpans.resource.droppedAttributesCount = group.resource.droppedAttributesCount;
      if (group.resource.schemaUrl !== '') resourceSpans.schemaUrl = group.resource.schemaUrl;
      return resourceSpans;
    }),
  };
}

/**
 * OTLP JSON text → spans. Throws {@link OtlpDecodeError} naming the first structural problem
 * (not JSON, wrong types); span-level problems such as bad IDs are left to validation so that
 * one bad span does not reject its request.
 */
export function decodeOtlpJsonTraces(text: string, tenant: TenantId = DEFAULT_TENANT): Span[] {
  let parsed: unknown;
  try {
    parsed = parseJsonPreservingInt64(text);
  } catch (error) {
    throw new OtlpDecodeError(`body is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new OtlpDecodeError(`body must be a JSON object with "resourceSpans", got ${describe(parsed)}`);
  }
  const root = parsed as Record<string, unknown>;
  const spans: Span[] = [];
  const resourceSpansList = listOf(root['resourceSpans'] ?? root['resource_spans'], 'resourceSpans');
  for (let r = 0; r < resourceSpansList.length; r++) {
    const rsPath = `resourceSpans[${r}]`;
    const rs = asObject(resourceSpansList[r], rsPath);
    const rawResource = asObject(rs['resource'], `${rsPath}.resource`);
    const resource: Resource = {
      tenant,
      attributes: keyValuesFromOtlpJson(rawResource['attributes'], `${rsPath}.resource.attributes`),
      droppedAttributesCount: uint32Field(
        rawResource['droppedAttributesCount'] ?? rawResource['dropped_attributes_count'],
        `${rsPath}.resource.droppedAttributesCount`,
      ),
      schemaUrl: stringField(rs['schemaUrl'] ?? rs['schema_url'], `${rsPath}.schemaUrl`),
    };
    const scopeSpansList = listOf(rs['scopeSpans'] ?? rs['scope_spans'], `${rsPath}.scopeSpans`);
    for (let s = 0; s < scopeSpansList.length; s++) {
      const ssPath = `${rsPath}.scopeSpans[${s}]`;
      const ss = asObject(scopeSpansList[s], ssPath);
      const rawScope = asObject(ss['scope'], `${ssPath}.scope`);
      const scope: InstrumentationScope = {
        name: stringField(rawScope['name'], `${ssPath}.scope.name`),
        version: stringField(rawScope['version'], `${ssPath}.scope.version`),
        attributes: keyValuesFromOtlpJson(rawScope['attributes'], `${ssPath}.scope.attributes`),
        droppedAttributesCount: uint32Field(
          rawScope['droppedAttributesCount'] ?? rawScope['dropped_attributes_count'],
          `${ssPath}.scope.droppedAttributesCount`,
        ),
        schemaUrl: stringField(ss['schemaUrl'] ?? ss['schema_url'], `${ssPath}.schemaUrl`),
      };
      const spanList = listOf(ss['spans'], `${ssPath}.spans`);
      for (let i = 0; i < spanList.length; i++) {
        spans.push(spanFromOtlpJson(spanList[i], resource, scope, `${ssPath}.spans[${i}]`));
      }
    }
  }
  return spans;
}

function listOf(raw: unknown, path: string): unknown[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw new OtlpDecodeError(`${path}: expected an array, got ${describe(raw)}`);
  return raw;
}
