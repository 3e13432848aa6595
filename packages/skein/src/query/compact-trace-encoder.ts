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

/**
 * One column's JSON values, gathered page by page as slices of at most SLICE values (or about a
 * megabyte of long strings), each slice one string: the column is written out only at the end.
 */
class Column {
  readonly slices: string[] = [];
  /** For sparse columns: whether any value so far was not 0. */
  nonZero = false;

  add<T>(items: readonly T[], value: (item: T) => string | number): void {
    let parts: (string | number)[] = [];
    let length = 0;
    for (const item of items) {
      const text = value(item);
      parts.push(text);
      if (text !== 0) this.nonZero = true;
      // Long strings (a huge status message, attribute values) end a slice early: no piece grows
      // past about a megabyte, whatever the trace holds.
      if (typeof text === 'string') length += text.length;
      if (parts.length === SLICE || length > MAX_SLICE_CHARS) {
        this.slices.push(parts.join(','));
        parts = [];
        length = 0;
      }
    }
    if (parts.length > 0) this.slices.push(parts.join(','));
  }

  /** `"name":[…]`, one slice per string. */
  *json(name: string): Generator<string> {
    yield `"${name}":[`;
    for (let i = 0; i < this.slices.length; i++) yield i === 0 ? this.slices[i]! : `,${this.slices[i]!}`;
    yield ']';
  }

  /** `"name":[…],`, or nothing when all values are 0 (dropped counts, mostly). */
  *sparseJson(name: string): Generator<string> {
    if (!this.nonZero) return;
    yield* this.json(name);
    yield ',';
  }
}

/** `attributeCount` and the flat `attributes` list of table positions, for spans, events or links. */
class AttributeLists {
  readonly count = new Column();
  readonly positions = new Column();

  add(owners: readonly { attributes: KeyValue[] }[], table: AttributeTable): void {
    this.count.add(owners, (owner) => owner.attributes.length);
    for (let from = 0; from < owners.length; from += SLICE) {
      const parts: number[] = [];
      for (let i = from; i < Math.min(owners.length, from + SLICE); i++) {
        for (const attribute of owners[i]!.attributes) parts.push(table.of(attribute));
      }
      if (parts.length > 0) this.positions.slices.push(parts.join(','));
    }
  }

  *json(): Generator<string> {
    yield* this.count.json('attributeCount');
    yield ',';
    yield* this.positions.json('attributes');
  }
}

/**
 * Builds the compact JSON of a trace from its spans given page by page (TraceStore.readTrace), in
 * the store's order (start time, then span ID), then writes it as a sequence of strings, each at
 * most about a megabyte, for a streamed response.
 *
 * Each page is turned into column text as it arrives and its spans can be dropped: what is kept
 * is the compact text itself (~100 B/span), one span ID → index entry per span (parents are
 * positions) and the tables. The layout is the whole-trace one, so nothing can be sent before the
 * last page: the header's span count and the string table are only known then. Table positions
 * are handed out in the order a single whole-trace pass would, so one page gives the same bytes.
 */
export class CompactTraceEncoder {
  private readonly strings = new StringTable();
  private readonly attributes = new AttributeTable(this.strings);
  private readonly resources = new ObjectTable<Resource>(resourceToJson);
  private readonly scopes = new ObjectTable<InstrumentationScope>(scopeToJson);
  private base: bigint | undefined;
  private spanCount = 0;
  private readonly spanIds: string[] = [];
  /** The first span with each ID is the parent its children point at (the UI's rule too). */
  private readonly firstWithId = new Map<string, number>();
  private readonly parents: number[] = [];
  /** Children whose parent has not arrived (yet), by parent span ID: patched if it does later. */
  private readonly awaitedParents = new Map<string, number[]>();
  private readonly span = {
    name: new Column(),
    kind: new Column(),
    start: new Column(),
    duration: new Column(),
    flags: new Column(),
    status: new Column(),
    resource: new Column(),
    scope: new Column(),
    statusMessage: new Column(),
    traceState: new Column(),
    droppedAttributesCount: new Column(),
    droppedEventsCount: new Column(),
    droppedLinksCount: new Column(),
    eventCount: new Column(),
    linkCount: new Column(),
    attributes: new AttributeLists(),
  };
  private readonly event = {
    time: new Column(),
    name: new Column(),
    droppedAttributesCount: new Column(),
    attributes: new AttributeLists(),
  };
  private readonly link = {
    traceId: new Column(),
    spanId: new Column(),
    flags: new Column(),
    traceState: new Column(),
    droppedAttributesCount: new Column(),
    attributes: new AttributeLists(),
  };

  constructor(
    private readonly traceId: string,
    /**
     * Times are written relative to this. Defaults to the first span's start, the earliest when
     * spans come in start order; an earlier one later only makes its offset negative.
     */
    baseTimeUnixNano?: bigint,
  ) {
    this.base = baseTimeUnixNano;
  }

  /** Adds the next spans of the trace. */
  addPage(spans: readonly Span[]): void {
    if (spans.length === 0) return;
    const base = (this.base ??= spans[0]!.startTimeUnixNano);
    const first = this.spanCount;
    this.spanCount += spans.length;
    // One string of 16 hex digits per span, not an array: 16 B/span and one string to clone.
    for (let from = 0; from < spans.length; from += SLICE) {
      let ids = '';
      for (let i = from; i < Math.min(spans.length, from + SLICE); i++) ids += spans[i]!.spanId;
      this.spanIds.push(ids);
    }
    spans.forEach((span, i) => {
      if (this.firstWithId.has(span.spanId)) return;
      this.firstWithId.set(span.spanId, first + i);
      const children = this.awaitedParents.get(span.spanId);
      if (children === undefined) return;
      for (const child of children) this.parents[child] = first + i;
      this.awaitedParents.delete(span.spanId);
    });
    spans.forEach((span, i) => {
      if (span.parentSpanId === '') {
        this.parents.push(-1);
        return;
      }
      const parent = this.firstWithId.get(span.parentSpanId);
      if (parent !== undefined) {
        this.parents.push(parent);
        return;
      }
      // A parent outside the trace (not arrived, or never will): its ID from the string table,
      // replaced by its position should it come on a later page (the string then goes unused).
      this.parents.push(-2 - this.strings.of(span.parentSpanId));
      const waiting = this.awaitedParents.get(span.parentSpanId);
      if (waiting === undefined) this.awaitedParents.set(span.parentSpanId, [first + i]);
      else waiting.push(first + i);
    });
    const { strings, attributes } = this;
    const c = this.span;
    c.name.add(spans, (span) => strings.of(span.name));
    c.kind.add(spans, (span) => span.kind);
    c.start.add(spans, (span) => offsetJson(span.startTimeUnixNano - base));
    c.duration.add(spans, (span) => offsetJson(span.endTimeUnixNano - span.startTimeUnixNano));
    c.flags.add(spans, (span) => span.flags);
    c.status.add(spans, (span) => span.status.code);
    c.resource.add(spans, (span) => this.resources.of(span.resource));
    c.scope.add(spans, (span) => this.scopes.of(span.scope));
    c.statusMessage.add(spans, (span) => (span.status.message === '' ? 0 : 1 + strings.of(span.status.message)));
    c.traceState.add(spans, (span) => (span.traceState === '' ? 0 : 1 + strings.of(span.traceState)));
    c.droppedAttributesCount.add(spans, (span) => span.droppedAttributesCount);
    c.droppedEventsCount.add(spans, (span) => span.droppedEventsCount);
    c.droppedLinksCount.add(spans, (span) => span.droppedLinksCount);
    c.eventCount.add(spans, (span) => span.events.length);
    c.linkCount.add(spans, (span) => span.links.length);
    c.attributes.add(spans, attributes);
    const events = spans.flatMap((span) => span.events);
    const e = this.event;
    e.time.add(events, (event) => offsetJson(event.timeUnixNano - base));
    e.name.add(events, (event) => strings.of(event.name));
    e.droppedAttributesCount.add(events, (event) => event.droppedAttributesCount);
    e.attributes.add(events, attributes);
    const links = spans.flatMap((span) => span.links);
    const l = this.link;
    l.traceId.add(links, (link) => strings.of(link.traceId));
    l.spanId.add(links, (link) => strings.of(link.spanId));
    l.flags.add(links, (link) => link.flags);
    l.traceState.add(links, (link) => (link.traceState === '' ? 0 : 1 + strings.of(link.traceState)));
    l.droppedAttributesCount.add(links, (link) => link.droppedAttributesCount);
    l.attributes.add(links, attributes);
  }

  /** The compact JSON of everything added; call once, after the last page. */
  *finish(): Generator<string> {
    yield `{"format":"${COMPACT_TRACE_FORMAT}","traceId":"${this.traceId}","spanCount":${this.spanCount},"baseTimeUnixNano":"${this.base ?? 0n}","spans":{`;
    yield '"spanIds":"';
    yield* this.spanIds;
    yield '",';
    const parent = new Column();
    parent.add(this.parents, (position) => position);
    yield* parent.json('parent');
    yield ',';
    const c = this.span;
    for (const name of ['name', 'kind', 'start', 'duration', 'flags', 'status', 'resource', 'scope'] as const) {
      yield* c[name].json(name);
      yield ',';
    }
    for (const name of ['statusMessage', 'traceState', 'droppedAttributesCount', 'droppedEventsCount', 'droppedLinksCount'] as const) {
      yield* c[name].sparseJson(name);
    }
    yield* c.eventCount.json('eventCount');
    yield ',';
    yield* c.linkCount.json('linkCount');
    yield ',';
    yield* c.attributes.json();
    yield '},"events":{';
    const e = this.event;
    yield* e.time.json('time');
    yield ',';
    yield* e.name.json('name');
    yield ',';
    yield* e.droppedAttributesCount.sparseJson('droppedAttributesCount');
    yield* e.attributes.json();
    yield '},"links":{';
    const l = this.link;
    yield* l.traceId.json('traceId');
    yield ',';
    yield* l.spanId.json('spanId');
    yield ',';
    yield* l.flags.json('flags');
    yield ',';
    yield* l.traceState.sparseJson('traceState');
    yield* l.droppedAttributesCount.sparseJson('droppedAttributesCount');
    yield* l.attributes.json();
    yield `},"resources":[${this.resources.json.join(',')}],"scopes":[${this.scopes.json.join(',')}],`;
    const attributeTable = new Column();
    attributeTable.add(this.attributes.entries, (entry) => entry);
    yield* attributeTable.json('attributeTable');
    yield ',';
    const strings = new Column();
    strings.add(this.strings.values, (value) => JSON.stringify(value));
    yield* strings.json('strings');
    yield '}';
  }
}

/**
 * The compact JSON of a whole trace as a sequence of strings, each at most about a megabyte, for
 * a streamed response. `spans` are in the store's order (start time, then span ID).
 */
export function* encodeCompactTrace(traceId: string, spans: readonly Span[]): Generator<string> {
  let base = spans.length === 0 ? 0n : spans[0]!.startTimeUnixNano;
  for (const span of spans) if (span.startTimeUnixNano < base) base = span.startTimeUnixNano;
  const encoder = new CompactTraceEncoder(traceId, base);
  encoder.addPage(spans);
  yield* encoder.finish();
}
