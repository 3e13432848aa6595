import { anyValueToOtlpJson, resourceToJson, scopeToJson } from '../model/otlp-json.js';
import type { AnyValue, InstrumentationScope, KeyValue, Resource, Span } from '../model/span.js';

/**
 * The compact trace format (`GET /api/v1/traces/{id}?format=compact`, docs/api.md): the native
 * trace, column by column. The native JSON costs ~600 B/span and one string per trace, which
 * passes V8's 512 MiB string limit near 1M spans; this form costs ~100 B/span and is produced as a
 * sequence of small strings, so the server never holds the body as one string and the browser
 * parses far less (and can do so in a worker without allocating an object per field).
 *
 * It is lossless against the native form: every field, typed attribute, event and link is kept.
 */
export const COMPACT_TRACE_FORMAT = 'skein-compact-trace/1';

/** Columns are written in slices of this many values: each slice is one small string. */
const SLICE = 8_192;
const MAX_SLICE_CHARS = 1 << 20;

/** Attribute value types in the attribute table (see docs/api.md). */
const VALUE_STRING = 0;
const VALUE_INT = 1;
const VALUE_DOUBLE = 2;
const VALUE_BOOL = 3;
/** Anything else (bytes, arrays, key-value lists, empty): the OTLP JSON value as it is. */
const VALUE_OTLP_JSON = 4;

/**
 * A bigint offset as a JSON number when it is exact as one, else as a decimal string: relative
 * times fit a double for any trace shorter than 104 days, but nothing is rounded if one does not.
 */
function offsetJson(value: bigint): string {
  return value <= 9_007_199_254_740_991n && value >= -9_007_199_254_740_991n ? value.toString() : `"${value}"`;
}

/** Hands out positions in the string table; the table itself is written last. */
class StringTable {
  readonly values: string[] = [];
  private readonly index = new Map<string, number>();

  of(value: string): number {
    let position = this.index.get(value);
    if (position === undefined) {
      position = this.values.length;
      this.values.push(value);
      this.index.set(value, position);
    }
    return position;
  }
}

/**
 * Distinct (key, typed value) pairs: real traces repeat `http.method=GET`, `db.system=redis` on
 * thousands of spans, so a span lists table positions instead of the pairs themselves.
 */
class AttributeTable {
  /** `key, type, value` triples, already as JSON text. */
  readonly entries: string[] = [];
  private readonly byKey = new Map<string, Map<AnyValue, number>>();
  /** Bytes, arrays, key-value lists, empty values and -0, by key and OTLP JSON. */
  private readonly structured = new Map<AnyValue, number>();

  constructor(private readonly strings: StringTable) {}

  of(attribute: KeyValue): number {
    const { key, value } = attribute;
    // Primitives are told apart by a Map per key (Map keys compare by type and value, NaN equal
    // to NaN): no identity string to build per attribute, which was a third of encoding time.
    // -0 equals 0 as a Map key, so it goes the slow way with the structured values.
    const primitive = typeof value !== 'object' && !Object.is(value, -0);
    let byValue = primitive ? this.byKey.get(key) : undefined;
    if (primitive && byValue === undefined) this.byKey.set(key, (byValue = new Map()));
    const identity = primitive ? value : `${key}\u0000${JSON.stringify(anyValueToOtlpJson(value))}`;
    const table = byValue ?? this.structured;
    let position = table.get(identity);
    if (position === undefined) {
      position = this.entries.length;
      this.entries.push(`${this.strings.of(key)},${this.encodeValue(value)}`);
      table.set(identity, position);
    }
    return position;
  }

  private encodeValue(value: AnyValue): string {
    switch (typeof value) {
      case 'string':
        return `${VALUE_STRING},${this.strings.of(value)}`;
      case 'bigint':
        return `${VALUE_INT},${offsetJson(value)}`;
      case 'number':
        // The native form's doubleValue, which spells NaN, ±Infinity and -0 as strings.
        return `${VALUE_DOUBLE},${JSON.stringify((anyValueToOtlpJson(value) as { doubleValue: number | string }).doubleValue)}`;
      case 'boolean':
        return `${VALUE_BOOL},${value ? 1 : 0}`;
      default:
        return `${VALUE_OTLP_JSON},${JSON.stringify(anyValueToOtlpJson(value))}`;
    }
  }
}

/** Lists each distinct resource or scope once, by identity then by content (as the native form). */
class ObjectTable<T extends object> {
  readonly json: string[] = [];
  private readonly byObject = new Map<T, number>();
  private readonly byJson = new Map<string, number>();

  constructor(private readonly toJson: (value: T) => unknown) {}

  of(value: T): number {
    const known = this.byObject.get(value);
    if (known !== undefined) return known;
    const json = JSON.stringify(this.toJson(value));
    let position = this.byJson.get(json);
    if (position === undefined) {
      position = this.json.length;
      this.json.push(json);
      this.byJson.set(json, position);
    }
    this.byObject.set(value, position);
    return position;
  }
}

/** `"name":[v0,v1,…]` written slice by slice; `value` returns each element's JSON text. */
function* column<T>(name: string, items: readonly T[], value: (item: T, index: number) => string | number): Generator<string> {
  yield `"${name}":[`;
  let parts: (string | number)[] = [];
  let length = 0;
  let first = true;
  for (let i = 0; i < items.length; i++) {
    const text = value(items[i]!, i);
    parts.push(text);
    // Long strings (a huge status message, attribute values) end a slice early: no piece grows
    // past about a megabyte, whatever the trace holds.
    if (typeof text === 'string') length += text.length;
    if (parts.length === SLICE || length > MAX_SLICE_CHARS) {
      yield first ? parts.join(',') : `,${parts.join(',')}`;
      first = false;
      parts = [];
      length = 0;
    }
  }
  if (parts.length > 0) yield first ? parts.join(',') : `,${parts.join(',')}`;
  yield ']';
}

/** A column that is left out when all of its values are 0 (dropped counts, mostly). */
function* sparseColumn<T>(name: string, items: readonly T[], value: (item: T) => number): Generator<string> {
  if (items.every((item) => value(item) === 0)) return;
  yield* column(name, items, value);
  yield ',';
}

/**
 * The compact JSON of a trace as a sequence of strings, each at most a few hundred kB, for a
 * streamed response. `spans` are in the store's order (start time, then span ID).
 */
export function* encodeCompactTrace(traceId: string, spans: readonly Span[]): Generator<string> {
  const strings = new StringTable();
  const attributes = new AttributeTable(strings);
  const resources = new ObjectTable<Resource>(resourceToJson);
  const scopes = new ObjectTable<InstrumentationScope>(scopeToJson);
  let base = spans.length === 0 ? 0n : spans[0]!.startTimeUnixNano;
  for (const span of spans) if (span.startTimeUnixNano < base) base = span.startTimeUnixNano;
  // The first span with each ID is the parent its children point at (the UI's rule too).
  const firstWithId = new Map<string, number>();
  spans.forEach((span, i) => {
    if (!firstWithId.has(span.spanId)) firstWithId.set(span.spanId, i);
  });
  const events = spans.flatMap((span) => span.events);
  const links = spans.flatMap((span) => span.links);
  const attributeLists = (owners: readonly { attributes: KeyValue[] }[]): Generator<string>[] => [
    column('attributeCount', owners, (owner) => owner.attributes.length),
    (function* () {
      yield ',"attributes":[';
      let first = true;
      for (let from = 0; from < owners.length; from += SLICE) {
        const parts: number[] = [];
        for (let i = from; i < Math.min(owners.length, from + SLICE); i++) {
          for (const attribute of owners[i]!.attributes) parts.push(attributes.of(attribute));
        }
        if (parts.length === 0) continue;
        yield first ? parts.join(',') : `,${parts.join(',')}`;
        first = false;
      }
      yield ']';
    })(),
  ];

  yield `{"format":"${COMPACT_TRACE_FORMAT}","traceId":"${traceId}","spanCount":${spans.length},"baseTimeUnixNano":"${base}","spans":{`;
  // One string of 16 hex digits per span, not an array: 16 B/span and one string to clone.
  yield '"spanIds":"';
  for (let from = 0; from < spans.length; from += SLICE) {
    let ids = '';
    for (let i = from; i < Math.min(spans.length, from + SLICE); i++) ids += spans[i]!.spanId;
    yield ids;
  }
  yield '",';
  yield* column('parent', spans, (span) => {
    if (span.parentSpanId === '') return -1;
    const parent = firstWithId.get(span.parentSpanId);
    // A parent outside the trace (not arrived, or never will): its ID from the string table.
    return parent !== undefined ? parent : -2 - strings.of(span.parentSpanId);
  });
  yield ',';
  yield* column('name', spans, (span) => strings.of(span.name));
  yield ',';
  yield* column('kind', spans, (span) => span.kind);
  yield ',';
  yield* column('start', spans, (span) => offsetJson(span.startTimeUnixNano - base));
  yield ',';
  yield* column('duration', spans, (span) => offsetJson(span.endTimeUnixNano - span.startTimeUnixNano));
  yield ',';
  yield* column('flags', spans, (span) => span.flags);
  yield ',';
  yield* column('status', spans, (span) => span.status.code);
  yield ',';
  yield* column('resource', spans, (span) => resources.of(span.resource));
  yield ',';
  yield* column('scope', spans, (span) => scopes.of(span.scope));
  yield ',';
  yield* sparseColumn('statusMessage', spans, (span) => (span.status.message === '' ? 0 : 1 + strings.of(span.status.message)));
  yield* sparseColumn('traceState', spans, (span) => (span.traceState === '' ? 0 : 1 + strings.of(span.traceState)));
  yield* sparseColumn('droppedAttributesCount', spans, (span) => span.droppedAttributesCount);
  yield* sparseColumn('droppedEventsCount', spans, (span) => span.droppedEventsCount);
  yield* sparseColumn('droppedLinksCount', spans, (span) => span.droppedLinksCount);
  yield* column('eventCount', spans, (span) => span.events.length);
  yield ',';
  yield* column('linkCount', spans, (span) => span.links.length);
  yield ',';
  for (const part of attributeLists(spans)) yield* part;
  yield '},"events":{';
  yield* column('time', events, (event) => offsetJson(event.timeUnixNano - base));
  yield ',';
  yield* column('name', events, (event) => strings.of(event.name));
  yield ',';
  yield* sparseColumn('droppedAttributesCount', events, (event) => event.droppedAttributesCount);
  for (const part of attributeLists(events)) yield* part;
  yield '},"links":{';
  yield* column('traceId', links, (link) => strings.of(link.traceId));
  yield ',';
  yield* column('spanId', links, (link) => strings.of(link.spanId));
  yield ',';
  yield* column('flags', links, (link) => link.flags);
  yield ',';
  yield* sparseColumn('traceState', links, (link) => (link.traceState === '' ? 0 : 1 + strings.of(link.traceState)));
  yield* sparseColumn('droppedAttributesCount', links, (link) => link.droppedAttributesCount);
  for (const part of attributeLists(links)) yield* part;
  yield `},"resources":[${resources.json.join(',')}],"scopes":[${scopes.json.join(',')}],`;
  yield* column('attributeTable', attributes.entries, (entry) => entry);
  yield ',';
  yield* column('strings', strings.values, (value) => JSON.stringify(value));
  yield '}';
}
