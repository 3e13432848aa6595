import { OtlpDecodeError } from './decode-error.js';
import type { AnyValue, InstrumentationScope, KeyValue, Resource } from './span.js';
import type { TenantId } from './tenant.js';

/**
 * OTLP JSON for attribute values, resources and scopes (the OTLP/HTTP JSON encoding: proto3 JSON
 * mapping with lowerCamelCase names, int64 as strings, bytes as base64). Decoders also accept the
 * proto field names (snake_case) and ignore unknown fields, as the OTLP spec requires.
 */

export type OtlpJsonAnyValue =
  | { stringValue: string }
  | { boolValue: boolean }
  | { intValue: string }
  | { doubleValue: number | string }
  | { bytesValue: string }
  | { arrayValue: { values: OtlpJsonAnyValue[] } }
  | { kvlistValue: { values: OtlpJsonKeyValue[] } }
  | Record<string, never>;

export interface OtlpJsonKeyValue {
  key: string;
  value: OtlpJsonAnyValue;
}

/** Deep structures from a client are capped so that a hostile body cannot exhaust the stack. */
const MAX_VALUE_DEPTH = 64;

export function anyValueToOtlpJson(value: AnyValue): OtlpJsonAnyValue {
  switch (typeof value) {
    case 'string':
      return { stringValue: value };
    case 'boolean':
      return { boolValue: value };
    case 'bigint':
      return { intValue: value.toString() };
    case 'number':
      // JSON has no NaN/Infinity (the proto3 JSON mapping spells them as strings), and
      // JSON.stringify(-0) prints 0: -0 travels as the string "-0" so it survives.
      return { doubleValue: Number.isFinite(value) && !Object.is(value, -0) ? value : Object.is(value, -0) ? '-0' : String(value) };
    default:
      break;
  }
  if (value === null) return {};
  if (value instanceof Uint8Array) return { bytesValue: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') };
  if (Array.isArray(value)) return { arrayValue: { values: value.map(anyValueToOtlpJson) } };
  return { kvlistValue: { values: keyValuesToOtlpJson(value.kvlist) } };
}

export function keyValuesToOtlpJson(kvs: readonly KeyValue[]): OtlpJsonKeyValue[] {
  const out: OtlpJsonKeyValue[] = new Array(kvs.length);
  for (let i = 0; i < kvs.length; i++) {
    const kv = kvs[i]!;
    out[i] = { key: kv.key, value: anyValueToOtlpJson(kv.value) };
  }
  return out;
}

/** `-0` survives as a double: `Object.is` keeps it distinct from 0 in round-trip tests. */
function parseDouble(raw: unknown, path: string): number {
  if (typeof raw === 'number') return raw;
  if (typeof raw === 'string') {
    if (raw === 'NaN') return NaN;
    if (raw === 'Infinity') return Infinity;
    if (raw === '-Infinity') return -Infinity;
    const n = Number(raw);
    if (raw.trim() !== '' && !Number.isNaN(n)) return n;
  }
  throw new OtlpDecodeError(`${path}: expected a double, got ${describe(raw)}`);
}

/** int64 in OTLP JSON is a decimal string, or a number when it is exactly representable. */
export function parseInt64(raw: unknown, path: string): bigint {
  if (typeof raw === 'string' && /^-?\d{1,20}$/.test(raw)) {
    const n = BigInt(raw);
    if (n >= -(2n ** 63n) && n < 2n ** 64n) return n;
  }
  if (typeof raw === 'number' && Number.isInteger(raw)) {
    if (!Number.isSafeInteger(raw)) {
      throw new OtlpDecodeError(`${path}: ${raw} is a JSON number beyond 2^53 and has lost precision; send 64-bit integers as strings`);
    }
    return BigInt(raw);
  }
  if (typeof raw === 'bigint') return raw;
  throw new OtlpDecodeError(`${path}: expected a 64-bit integer (string or number), got ${describe(raw)}`);
}

const BASE64_RE = /^[A-Za-z0-9+/_-]*={0,2}$/;

function parseBytes(raw: unknown, path: string): Uint8Array {
  if (typeof raw !== 'string' || !BASE64_RE.test(raw)) throw new OtlpDecodeError(`${path}: expected base64 bytes, got ${describe(raw)}`);
  return new Uint8Array(Buffer.from(raw, raw.includes('-') || raw.includes('_') ? 'base64url' : 'base64'));
}

export function anyValueFromOtlpJson(raw: unknown, path: string, depth = 0): AnyValue {
  if (depth > MAX_VALUE_DEPTH) throw new OtlpDecodeError(`${path}: values nested deeper than ${MAX_VALUE_DEPTH} levels`);
  if (raw === null || raw === undefined) return null;
  if (typeof raw !== 'object' || Array.isArray(raw))
    throw new OtlpDecodeError(`${path}: expected an AnyValue object, got ${describe(raw)}`);
  const o = raw as Record<string, unknown>;
  let v: unknown;
  if ((v = o['stringValue'] ?? o['string_value']) !== undefined) {
    if (typeof v !== 'string') throw new OtlpDecodeError(`${path}.stringValue: expected a string, got ${describe(v)}`);
    return v;
  }
  if ((v = o['boolValue'] ?? o['bool_value']) !== undefined) {
    if (typeof v !== 'boolean') throw new OtlpDecodeError(`${path}.boolValue: expected a boolean, got ${describe(v)}`);
    return v;
  }
  if ((v = o['intValue'] ?? o['int_value']) !== undefined) return parseInt64(v, `${path}.intValue`);
  if ((v = o['doubleValue'] ?? o['double_value']) !== undefined) return parseDouble(v, `${path}.doubleValue`);
  if ((v = o['bytesValue'] ?? o['bytes_value']) !== undefined) return parseBytes(v, `${path}.bytesValue`);
  if ((v = o['arrayValue'] ?? o['array_value']) !== undefined) {
    const values = listField(v, 'values', `${path}.arrayValue`);
    return values.map((item, i) => anyValueFromOtlpJson(item, `${path}.arrayValue.values[${i}]`, depth + 1));
  }
  if ((v = o['kvlistValue'] ?? o['kvlist_value']) !== undefined) {
    const values = listField(v, 'values', `${path}.kvlistValue`);
    return { kvlist: keyValuesFromOtlpJson(values, `${path}.kvlistValue.values`, depth + 1) };
  }
  return null;
}

export function keyValuesFromOtlpJson(raw: unknown, path: string, depth = 0): KeyValue[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw new OtlpDecodeError(`${path}: expected an array of key/value pairs, got ${describe(raw)}`);
  const out: KeyValue[] = new Array(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const item: unknown = raw[i];
    if (typeof item !== 'object' || item === null)
      throw new OtlpDecodeError(`${path}[${i}]: expected a key/value object, got ${describe(item)}`);
    const kv = item as Record<string, unknown>;
    const key = kv['key'] ?? '';
    if (typeof key !== 'string') throw new OtlpDecodeError(`${path}[${i}].key: expected a string, got ${describe(key)}`);
    out[i] = { key, value: anyValueFromOtlpJson(kv['value'], `${path}[${i}].value`, depth) };
  }
  return out;
}

/** `{ values: [...] }` wrappers (ArrayValue, KeyValueList). */
function listField(raw: unknown, field: string, path: string): unknown[] {
  if (typeof raw !== 'object' || raw === null) throw new OtlpDecodeError(`${path}: expected an object, got ${describe(raw)}`);
  const list = (raw as Record<string, unknown>)[field];
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw new OtlpDecodeError(`${path}.${field}: expected an array, got ${describe(list)}`);
  return list;
}

export function uint32Field(raw: unknown, path: string): number {
  if (raw === undefined || raw === null) return 0;
  const n = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : raw;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 0xffffffff) {
    throw new OtlpDecodeError(`${path}: expected an unsigned 32-bit integer, got ${describe(raw)}`);
  }
  return n;
}

export function stringField(raw: unknown, path: string): string {
  if (raw === undefined || raw === null) return '';
  if (typeof raw !== 'string') throw new OtlpDecodeError(`${path}: expected a string, got ${describe(raw)}`);
  return raw;
}

export function describe(raw: unknown): string {
  if (raw === null) return 'null';
  if (Array.isArray(raw)) return 'an array';
  if (typeof raw === 'string') return JSON.stringify(raw.length > 40 ? `${raw.slice(0, 40)}…` : raw);
  if (typeof raw === 'object') return 'an object';
  return `${typeof raw} ${String(raw)}`;
}

/** Lossless JSON of a resource, schema URL included (the storage and native API form). */
export function resourceToJson(resource: Resource): {
  attributes: OtlpJsonKeyValue[];
  droppedAttributesCount: number;
  schemaUrl: string;
} {
  return {
    attributes: keyValuesToOtlpJson(resource.attributes),
    droppedAttributesCount: resource.droppedAttributesCount,
    schemaUrl: resource.schemaUrl,
  };
}

/** `tenant`: whose resource it is (JSON of a resource never carries one, see Resource.tenant). */
export function resourceFromJson(raw: unknown, tenant: TenantId, path = 'resource'): Resource {
  const o = asObject(raw, path);
  return {
    tenant,
    attributes: keyValuesFromOtlpJson(o['attributes'], `${path}.attributes`),
    droppedAttributesCount: uint32Field(o['droppedAttributesCount'] ?? o['dropped_attributes_count'], `${path}.droppedAttributesCount`),
    schemaUrl: stringField(o['schemaUrl'] ?? o['schema_url'], `${path}.schemaUrl`),
  };
}

export function scopeToJson(scope: InstrumentationScope): {
  name: string;
  version: string;
  attributes: OtlpJsonKeyValue[];
  droppedAttributesCount: number;
  schemaUrl: string;
} {
  return {
    name: scope.name,
    version: scope.version,
    attributes: keyValuesToOtlpJson(scope.attributes),
    droppedAttributesCount: scope.droppedAttributesCount,
    schemaUrl: scope.schemaUrl,
  };
}

export function scopeFromJson(raw: unknown, path = 'scope'): InstrumentationScope {
  const o = asObject(raw, path);
  return {
    name: stringField(o['name'], `${path}.name`),
    version: stringField(o['version'], `${path}.version`),
    attributes: keyValuesFromOtlpJson(o['attributes'], `${path}.attributes`),
    droppedAttributesCount: uint32Field(o['droppedAttributesCount'] ?? o['dropped_attributes_count'], `${path}.droppedAttributesCount`),
    schemaUrl: stringField(o['schemaUrl'] ?? o['schema_url'], `${path}.schemaUrl`),
  };
}

export function asObject(raw: unknown, path: string): Record<string, unknown> {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new OtlpDecodeError(`${path}: expected an object, got ${describe(raw)}`);
  return raw as Record<string, unknown>;
}

/**
 * The string form search matches attribute values against: strings as they are, ints in
 * decimal, doubles as JS prints them, booleans `true`/`false`, bytes base64, arrays and kvlists
 * as compact OTLP JSON.
 */
export function attributeSearchValue(value: AnyValue): string {
  switch (typeof value) {
    case 'string':
      return value;
    case 'bigint':
    case 'number':
    case 'boolean':
      return String(value);
    default:
      break;
  }
  if (value === null) return '';
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
  return JSON.stringify(anyValueToOtlpJson(value));
}
