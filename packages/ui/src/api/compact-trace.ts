import type { AnyValue, KeyValue, NativeResource, NativeScope, NativeSpan, NativeTrace } from './schemas';
import { resourceSchema, scopeSchema } from './schemas';

/**
 * The API's compact trace format (`?format=compact`, docs/api.md) turned back into the native
 * trace the pages use. Two steps, so that the expensive one runs in a worker:
 *
 * 1. {@link checkCompactTrace} (in the worker): a structural check of the parsed JSON and its
 *    conversion into typed arrays. Validating every span with zod was most of the cost of opening
 *    a big trace; here each column is one loop over numbers. Typed arrays move to the main thread
 *    without copying, where a cloned graph of a million objects would block it for seconds.
 * 2. {@link materializeTrace} (on the main thread): one plain object per span, attributes shared
 *    between spans that carry the same key and value (the format lists each pair once).
 */
export const COMPACT_TRACE_FORMAT = 'skein-compact-trace/1';

const SPAN_KINDS = ['UNSPECIFIED', 'INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'] as const;
const STATUS_CODES = ['UNSET', 'OK', 'ERROR'] as const;

/** Offsets that are not exact as doubles travel as decimal strings: kept here by position. */
type WideOffsets = Map<number, string>;

export interface CompactColumns {
  traceId: string;
  spanCount: number;
  baseTimeUnixNano: string;
  spans: {
    /** 16 hex digits per span, concatenated. */
    spanIds: string;
    /** Index of the parent span; -1: none; -2 - s: the parent ID is `strings[s]` (not in the trace). */
    parent: Int32Array;
    name: Int32Array;
    kind: Uint8Array;
    start: Float64Array;
    wideStart: WideOffsets;
    duration: Float64Array;
    wideDuration: WideOffsets;
    flags: Float64Array;
    status: Uint8Array;
    resource: Int32Array;
    scope: Int32Array;
    /** 0: '', else 1 + string index. */
    statusMessage: Int32Array;
    traceState: Int32Array;
    droppedAttributesCount: Float64Array;
    droppedEventsCount: Float64Array;
    droppedLinksCount: Float64Array;
    eventCount: Int32Array;
    linkCount: Int32Array;
    attributeCount: Int32Array;
    attributes: Int32Array;
  };
  events: {
    time: Float64Array;
    wideTime: WideOffsets;
    name: Int32Array;
    droppedAttributesCount: Float64Array;
    attributeCount: Int32Array;
    attributes: Int32Array;
  };
  links: {
    traceId: Int32Array;
    spanId: Int32Array;
    flags: Float64Array;
    traceState: Int32Array;
    droppedAttributesCount: Float64Array;
    attributeCount: Int32Array;
    attributes: Int32Array;
  };
  resources: NativeResource[];
  scopes: NativeScope[];
  /** `key, type, value` triples (see docs/api.md), as sent. */
  attributeTable: unknown[];
  strings: string[];
}

export class CompactTraceError extends Error {
  override readonly name = 'CompactTraceError';
}

function fail(path: string, problem: string): never {
  throw new CompactTraceError(`compact trace: ${path}: ${problem}`);
}

function object(raw: unknown, path: string): Record<string, unknown> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail(path, 'expected an object');
  return raw as Record<string, unknown>;
}

function array(raw: unknown, path: string, length?: number): unknown[] {
  if (!Array.isArray(raw)) fail(path, 'expected an array');
  if (length !== undefined && raw.length !== length) fail(path, `expected ${length} values, got ${raw.length}`);
  return raw;
}

/** A column of integers in [min, max); an absent optional column is all zeros. */
function ints<A extends Int32Array | Uint8Array | Float64Array>(
  make: new (length: number) => A,
  parent: Record<string, unknown>,
  name: string,
  path: string,
  length: number,
  min: number,
  max: number,
  optional = false,
): A {
  const out = new make(length);
  if (optional && parent[name] === undefined) return out;
  const values = array(parent[name], `${path}.${name}`, length);
  for (let i = 0; i < length; i++) {
    const value = values[i];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value >= max) {
      fail(`${path}.${name}[${i}]`, `expected an integer in [${min}, ${max}), got ${JSON.stringify(value)}`);
    }
    out[i] = value;
  }
  return out;
}

/** Nanosecond offsets: safe integers as numbers, others as decimal strings (kept aside, exact). */
function offsets(parent: Record<string, unknown>, name: string, path: string, length: number): [Float64Array, WideOffsets] {
  const out = new Float64Array(length);
  const wide: WideOffsets = new Map();
  const values = array(parent[name], `${path}.${name}`, length);
  for (let i = 0; i < length; i++) {
    const value = values[i];
    if (typeof value === 'number' && Number.isSafeInteger(value)) out[i] = value;
    else if (typeof value === 'string' && /^-?\d{1,20}$/.test(value)) {
      out[i] = NaN;
      wide.set(i, value);
    } else fail(`${path}.${name}[${i}]`, `expected an integer of nanoseconds, got ${JSON.stringify(value)}`);
  }
  return [out, wide];
}

function sum(values: Int32Array): number {
  let total = 0;
  for (const value of values) total += value;
  return total;
}

const INT32 = 2 ** 31;
const UINT32 = 2 ** 32;

/** Step 1 (in the worker): checks the parsed JSON's structure, returns typed columns. */
export function checkCompactTrace(raw: unknown): CompactColumns {
  const root = object(raw, '$');
  if (root['format'] !== COMPACT_TRACE_FORMAT) fail('format', `expected ${COMPACT_TRACE_FORMAT}, got ${JSON.stringify(root['format'])}`);
  const traceId = root['traceId'];
  if (typeof traceId !== 'string') fail('traceId', 'expected a string');
  const n = root['spanCount'];
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) fail('spanCount', 'expected a count');
  const base = root['baseTimeUnixNano'];
  if (typeof base !== 'string' || !/^\d{1,20}$/.test(base)) fail('baseTimeUnixNano', 'expected a decimal string');
  const strings = array(root['strings'], 'strings');
  for (let i = 0; i < strings.length; i++) if (typeof strings[i] !== 'string') fail(`strings[${i}]`, 'expected a string');
  const table = array(root['attributeTable'], 'attributeTable');
  if (table.length % 3 !== 0) fail('attributeTable', 'expected key, type, value triples');
  const s = strings.length;
  const entries = table.length / 3;
  const resources = array(root['resources'], 'resources').map((resource, i) => {
    const parsed = resourceSchema.safeParse(resource);
    return parsed.success ? parsed.data : fail(`resources[${i}]`, parsed.error.issues[0]?.message ?? 'invalid');
  });
  const scopes = array(root['scopes'], 'scopes').map((scope, i) => {
    const parsed = scopeSchema.safeParse(scope);
    return parsed.success ? parsed.data : fail(`scopes[${i}]`, parsed.error.issues[0]?.message ?? 'invalid');
  });

  const spans = object(root['spans'], 'spans');
  const spanIds = spans['spanIds'];
  if (typeof spanIds !== 'string' || spanIds.length !== 16 * n || !/^[0-9a-f]*$/.test(spanIds))
    fail('spans.spanIds', `expected ${n} span IDs`);
  const attributeLists = (owner: Record<string, unknown>, path: string, count: number): [Int32Array, Int32Array] => {
    const counts = ints(Int32Array, owner, 'attributeCount', path, count, 0, INT32);
    return [counts, ints(Int32Array, owner, 'attributes', path, sum(counts), 0, entries)];
  };
  const [spanStart, wideStart] = offsets(spans, 'start', 'spans', n);
  const [spanDuration, wideDuration] = offsets(spans, 'duration', 'spans', n);
  const [spanAttributeCount, spanAttributes] = attributeLists(spans, 'spans', n);
  const eventCount = ints(Int32Array, spans, 'eventCount', 'spans', n, 0, INT32);
  const linkCount = ints(Int32Array, spans, 'linkCount', 'spans', n, 0, INT32);
  const checkedSpans: CompactColumns['spans'] = {
    spanIds,
    parent: ints(Int32Array, spans, 'parent', 'spans', n, -2 - s + 1, n),
    name: ints(Int32Array, spans, 'name', 'spans', n, 0, s),
    kind: ints(Uint8Array, spans, 'kind', 'spans', n, 0, SPAN_KINDS.length),
    start: spanStart,
    wideStart,
    duration: spanDuration,
    wideDuration,
    flags: ints(Float64Array, spans, 'flags', 'spans', n, 0, UINT32),
    status: ints(Uint8Array, spans, 'status', 'spans', n, 0, STATUS_CODES.length),
    resource: ints(Int32Array, spans, 'resource', 'spans', n, 0, resources.length),
    scope: ints(Int32Array, spans, 'scope', 'spans', n, 0, scopes.length),
    statusMessage: ints(Int32Array, spans, 'statusMessage', 'spans', n, 0, s + 1, true),
    traceState: ints(Int32Array, spans, 'traceState', 'spans', n, 0, s + 1, true),
    droppedAttributesCount: ints(Float64Array, spans, 'droppedAttributesCount', 'spans', n, 0, UINT32, true),
    droppedEventsCount: ints(Float64Array, spans, 'droppedEventsCount', 'spans', n, 0, UINT32, true),
    droppedLinksCount: ints(Float64Array, spans, 'droppedLinksCount', 'spans', n, 0, UINT32, true),
    eventCount,
    linkCount,
    attributeCount: spanAttributeCount,
    attributes: spanAttributes,
  };

  const events = object(root['events'], 'events');
  const e = sum(eventCount);
  const [eventTime, wideTime] = offsets(events, 'time', 'events', e);
  const [eventAttributeCount, eventAttributes] = attributeLists(events, 'events', e);
  const links = object(root['links'], 'links');
  const l = sum(linkCount);
  const [linkAttributeCount, linkAttributes] = attributeLists(links, 'links', l);
  return {
    traceId,
    spanCount: n,
    baseTimeUnixNano: base,
    spans: checkedSpans,
    events: {
      time: eventTime,
      wideTime,
      name: ints(Int32Array, events, 'name', 'events', e, 0, s),
      droppedAttributesCount: ints(Float64Array, events, 'droppedAttributesCount', 'events', e, 0, UINT32, true),
      attributeCount: eventAttributeCount,
      attributes: eventAttributes,
    },
    links: {
      traceId: ints(Int32Array, links, 'traceId', 'links', l, 0, s),
      spanId: ints(Int32Array, links, 'spanId', 'links', l, 0, s),
      flags: ints(Float64Array, links, 'flags', 'links', l, 0, UINT32),
      traceState: ints(Int32Array, links, 'traceState', 'links', l, 0, s + 1, true),
      droppedAttributesCount: ints(Float64Array, links, 'droppedAttributesCount', 'links', l, 0, UINT32, true),
      attributeCount: linkAttributeCount,
      attributes: linkAttributes,
    },
    resources,
    scopes,
    attributeTable: table,
    strings: strings as string[],
  };
}

/** The typed arrays of `columns`: what postMessage may transfer instead of copying. */
export function transferables(columns: CompactColumns): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  for (const group of [columns.spans, columns.events, columns.links]) {
    for (const value of Object.values(group)) {
      if (ArrayBuffer.isView(value) && value.buffer instanceof ArrayBuffer) buffers.add(value.buffer);
    }
  }
  return [...buffers];
}

/** One attribute table entry as the native form's KeyValue. */
function decodeEntry(table: readonly unknown[], strings: readonly string[], entry: number): KeyValue {
  const keyIndex = table[3 * entry];
  const type = table[3 * entry + 1];
  const raw = table[3 * entry + 2];
  const key = typeof keyIndex === 'number' ? strings[keyIndex] : undefined;
  if (key === undefined) fail(`attributeTable[${3 * entry}]`, 'expected a string index');
  const where = `attributeTable[${3 * entry + 2}]`;
  let value: AnyValue;
  if (type === 0) {
    const text = typeof raw === 'number' ? strings[raw] : undefined;
    value = { stringValue: text ?? fail(where, 'expected a string index') };
  } else if (type === 1) {
    if (!(typeof raw === 'number' && Number.isSafeInteger(raw)) && !(typeof raw === 'string' && /^-?\d+$/.test(raw)))
      fail(where, 'expected an int');
    value = { intValue: String(raw) };
  } else if (type === 2) {
    if (typeof raw !== 'number' && typeof raw !== 'string') fail(where, 'expected a double');
    value = { doubleValue: raw };
  } else if (type === 3) {
    value = { boolValue: raw === 1 };
  } else if (type === 4) {
    // Rare (bytes, arrays, maps, empty): the OTLP JSON value as the native form has it.
    value = typeof raw === 'object' && raw !== null ? (raw as AnyValue) : fail(where, 'expected an OTLP JSON value');
  } else {
    fail(`attributeTable[${3 * entry + 1}]`, `unknown value type ${JSON.stringify(type)}`);
  }
  return { key, value };
}

/**
 * Decimal Unix nanoseconds of `base + offset` without BigInt (a BigInt per time was the main cost
 * of opening 100k-span traces): `base` split into exact seconds and nanoseconds, the offset added
 * to the nanoseconds (exact below 2^53) and carried into the seconds.
 */
function timeFormatter(base: string): (offset: number, wide: string | undefined) => string {
  const cut = base.length - 9;
  const baseSec = cut > 0 ? Number(base.slice(0, cut)) : 0;
  const baseSub = Number(cut > 0 ? base.slice(cut) : base);
  const baseBig = BigInt(base);
  return (offset, wide) => {
    const total = baseSub + offset;
    if (wide !== undefined || !Number.isSafeInteger(total)) return (baseBig + BigInt(wide ?? offset)).toString();
    const carry = Math.floor(total / 1e9);
    const sec = baseSec + carry;
    const sub = total - carry * 1e9;
    return sec > 0 ? `${sec}${String(sub).padStart(9, '0')}` : String(sub);
  };
}

/** `service.name` of a resource, as the backend's native form derives `serviceName`. */
function serviceNameOf(resource: NativeResource | undefined): string {
  for (const attribute of resource?.attributes ?? []) {
    if (attribute.key === 'service.name' && attribute.value.stringValue !== undefined) return attribute.value.stringValue;
  }
  return 'unknown_service';
}

/** Step 2 (main thread): the native trace. */
export function materializeTrace(columns: CompactColumns): NativeTrace {
  const { strings, attributeTable, traceId } = columns;
  const time = timeFormatter(columns.baseTimeUnixNano);
  const decoded = new Array<KeyValue | undefined>(attributeTable.length / 3);
  const attributeList = (counts: Int32Array, entries: Int32Array): ((owner: number) => KeyValue[]) => {
    let position = 0;
    // Owners are read in order, so one running position walks the flat list.
    return (owner) => {
      const count = counts[owner]!;
      const list = new Array<KeyValue>(count);
      for (let i = 0; i < count; i++) {
        const entry = entries[position++]!;
        list[i] = decoded[entry] ??= decodeEntry(attributeTable, strings, entry);
      }
      return list;
    };
  };
  const optionalString = (index: number): string => (index === 0 ? '' : strings[index - 1]!);

  const ev = columns.events;
  const eventAttributes = attributeList(ev.attributeCount, ev.attributes);
  const events: NativeSpan['events'] = new Array(ev.time.length);
  for (let i = 0; i < events.length; i++) {
    events[i] = {
      timeUnixNano: time(ev.time[i]!, ev.wideTime.get(i)),
      name: strings[ev.name[i]!]!,
      attributes: eventAttributes(i),
      droppedAttributesCount: ev.droppedAttributesCount[i]!,
    };
  }
  const ln = columns.links;
  const linkAttributes = attributeList(ln.attributeCount, ln.attributes);
  const links: NativeSpan['links'] = new Array(ln.traceId.length);
  for (let i = 0; i < links.length; i++) {
    links[i] = {
      traceId: strings[ln.traceId[i]!]!,
      spanId: strings[ln.spanId[i]!]!,
      traceState: optionalString(ln.traceState[i]!),
      flags: ln.flags[i]!,
      attributes: linkAttributes(i),
      droppedAttributesCount: ln.droppedAttributesCount[i]!,
    };
  }

  const sp = columns.spans;
  const serviceNames = columns.resources.map(serviceNameOf);
  const spanAttributes = attributeList(sp.attributeCount, sp.attributes);
  const spans = new Array<NativeSpan>(columns.spanCount);
  let nextEvent = 0;
  let nextLink = 0;
  for (let i = 0; i < spans.length; i++) {
    const parent = sp.parent[i]!;
    const wideStart = sp.wideStart.get(i);
    const wideDuration = sp.wideDuration.get(i);
    const start = sp.start[i]!;
    const duration = sp.duration[i]!;
    const wideEnd =
      wideStart !== undefined || wideDuration !== undefined || !Number.isSafeInteger(start + duration)
        ? (BigInt(wideStart ?? start) + BigInt(wideDuration ?? duration)).toString()
        : undefined;
    const eventCount = sp.eventCount[i]!;
    const linkCount = sp.linkCount[i]!;
    spans[i] = {
      traceId,
      spanId: sp.spanIds.slice(16 * i, 16 * i + 16),
      parentSpanId: parent === -1 ? '' : parent >= 0 ? sp.spanIds.slice(16 * parent, 16 * parent + 16) : strings[-2 - parent]!,
      traceState: optionalString(sp.traceState[i]!),
      flags: sp.flags[i]!,
      name: strings[sp.name[i]!]!,
      kind: SPAN_KINDS[sp.kind[i]!]!,
      serviceName: serviceNames[sp.resource[i]!]!,
      startTimeUnixNano: time(start, wideStart),
      endTimeUnixNano: time(start + duration, wideEnd),
      durationNano: wideDuration ?? String(duration),
      attributes: spanAttributes(i),
      droppedAttributesCount: sp.droppedAttributesCount[i]!,
      events: eventCount === 0 ? [] : events.slice(nextEvent, (nextEvent += eventCount)),
      droppedEventsCount: sp.droppedEventsCount[i]!,
      links: linkCount === 0 ? [] : links.slice(nextLink, (nextLink += linkCount)),
      droppedLinksCount: sp.droppedLinksCount[i]!,
      status: { code: STATUS_CODES[sp.status[i]!]!, message: optionalString(sp.statusMessage[i]!) },
      resourceIndex: sp.resource[i]!,
      scopeIndex: sp.scope[i]!,
    };
  }
  return { traceId, spans, resources: columns.resources, scopes: columns.scopes };
}

/** Both steps at once (tests, and browsers without module workers). */
export function decodeCompactTrace(raw: unknown): NativeTrace {
  return materializeTrace(checkCompactTrace(raw));
}
