import { OtlpDecodeError } from './decode-error.js';
import { parseJsonPreservingInt64 } from './json-int64.js';
import {
  asObject,
  describe,
  keyValuesFromOtlpJson,
  keyValuesToOtlpJson,
  stringField,
  uint32Field,
  type OtlpJsonKeyValue,
} from './otlp-json-values.js';
import type { InstrumentationScope, Resource } from './span.js';
import type { TenantId } from './tenant.js';

/**
 * The resource → scope → items nesting every OTLP JSON signal shares (`resourceSpans` /
 * `scopeSpans` / `spans`, `resourceLogs` / `scopeLogs` / `logRecords`): one decoder and one
 * encoder of the resource and scope levels, so the traces and logs codecs differ only in their items.
 */

export interface OtlpJsonResource {
  attributes: OtlpJsonKeyValue[];
  droppedAttributesCount?: number;
}

export interface OtlpJsonScope {
  name: string;
  version?: string;
  attributes?: OtlpJsonKeyValue[];
  droppedAttributesCount?: number;
}

/** A signal's three level names, each as lowerCamelCase and as the proto name (both are read). */
export interface OtlpJsonLevels {
  readonly resources: readonly [json: string, proto: string];
  readonly scopes: readonly [json: string, proto: string];
  readonly items: readonly [json: string, proto: string];
}

/** The resource of a regrouped batch, proto3 defaults left out. */
export function resourceToOtlpJson(resource: Resource): OtlpJsonResource {
  const out: OtlpJsonResource = { attributes: keyValuesToOtlpJson(resource.attributes) };
  if (resource.droppedAttributesCount !== 0) out.droppedAttributesCount = resource.droppedAttributesCount;
  return out;
}

/** The scope of a regrouped batch, proto3 defaults left out. */
export function scopeToOtlpJson(scope: InstrumentationScope): OtlpJsonScope {
  const out: OtlpJsonScope = { name: scope.name };
  if (scope.version !== '') out.version = scope.version;
  if (scope.attributes.length > 0) out.attributes = keyValuesToOtlpJson(scope.attributes);
  if (scope.droppedAttributesCount !== 0) out.droppedAttributesCount = scope.droppedAttributesCount;
  return out;
}

/** `{ schemaUrl }` of a resource or scope that has one, else `{}` (spread last: OTLP's field order). */
export function schemaUrlOf(level: Resource | InstrumentationScope): { schemaUrl?: string } {
  return level.schemaUrl === '' ? {} : { schemaUrl: level.schemaUrl };
}

/**
 * OTLP JSON text → items, each decoded by `decodeItem` with its shared Resource and scope.
 * Throws {@link OtlpDecodeError} naming the first structural problem (not JSON, wrong types).
 */
export function decodeOtlpJsonEnvelope<T>(
  text: string,
  tenant: TenantId,
  levels: OtlpJsonLevels,
  decodeItem: (raw: unknown, resource: Resource, scope: InstrumentationScope, path: string) => T,
): T[] {
  let parsed: unknown;
  try {
    parsed = parseJsonPreservingInt64(text);
  } catch (error) {
    throw new OtlpDecodeError(`body is not valid JSON: ${(error as Error).message}`);
  }
  const [resourcesKey, resourcesProto] = levels.resources;
  const [scopesKey, scopesProto] = levels.scopes;
  const [itemsKey, itemsProto] = levels.items;
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new OtlpDecodeError(`body must be a JSON object with "${resourcesKey}", got ${describe(parsed)}`);
  }
  const root = parsed as Record<string, unknown>;
  const items: T[] = [];
  const resourceList = listOf(root[resourcesKey] ?? root[resourcesProto], resourcesKey);
  for (let r = 0; r < resourceList.length; r++) {
    const rPath = `${resourcesKey}[${r}]`;
    const rEntry = asObject(resourceList[r], rPath);
    const rawResource = asObject(rEntry['resource'], `${rPath}.resource`);
    const resource: Resource = {
      tenant,
      attributes: keyValuesFromOtlpJson(rawResource['attributes'], `${rPath}.resource.attributes`),
      droppedAttributesCount: uint32Field(
        rawResource['droppedAttributesCount'] ?? rawResource['dropped_attributes_count'],
        `${rPath}.resource.droppedAttributesCount`,
      ),
      schemaUrl: stringField(rEntry['schemaUrl'] ?? rEntry['schema_url'], `${rPath}.schemaUrl`),
    };
    const scopeList = listOf(rEntry[scopesKey] ?? rEntry[scopesProto], `${rPath}.${scopesKey}`);
    for (let s = 0; s < scopeList.length; s++) {
      const sPath = `${rPath}.${scopesKey}[${s}]`;
      const sEntry = asObject(scopeList[s], sPath);
      const rawScope = asObject(sEntry['scope'], `${sPath}.scope`);
      const scope: InstrumentationScope = {
        name: stringField(rawScope['name'], `${sPath}.scope.name`),
        version: stringField(rawScope['version'], `${sPath}.scope.version`),
        attributes: keyValuesFromOtlpJson(rawScope['attributes'], `${sPath}.scope.attributes`),
        droppedAttributesCount: uint32Field(
          rawScope['droppedAttributesCount'] ?? rawScope['dropped_attributes_count'],
          `${sPath}.scope.droppedAttributesCount`,
        ),
        schemaUrl: stringField(sEntry['schemaUrl'] ?? sEntry['schema_url'], `${sPath}.schemaUrl`),
      };
      const itemList = listOf(sEntry[itemsKey] ?? sEntry[itemsProto], `${sPath}.${itemsKey}`);
      for (let i = 0; i < itemList.length; i++) items.push(decodeItem(itemList[i], resource, scope, `${sPath}.${itemsKey}[${i}]`));
    }
  }
  return items;
}

function listOf(raw: unknown, path: string): unknown[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw new OtlpDecodeError(`${path}: expected an array, got ${describe(raw)}`);
  return raw;
}
