import * as z from 'zod/mini';
import type { AnyValue, KeyValue, NativeResource, NativeScope, NativeSpan, NativeTrace, SpanKind } from '../api/schemas';
import { parseJsonKeepingInt64 } from './json-int64';

/**
 * Opening an OTLP JSON file in the browser (`{"resourceSpans":[…]}`, as exporters send it, as the
 * Collector's file exporter writes it one request per line, and as "Download OTLP JSON" saves it)
 * and turning it into the native API's trace shape, so the trace page renders it as if Skein had
 * stored it. Nothing is uploaded.
 *
 * The OTLP JSON mapping (opentelemetry-proto docs/specification.md, "JSON Protobuf Encoding"):
 * trace and span IDs are hex (not base64), enums are integers (names are accepted too), int64 and
 * fixed64 may be decimal strings or numbers, field names are lowerCamelCase.
 */
export class OtlpFileError extends Error {
  override readonly name = 'OtlpFileError';
}

interface OtlpAnyValue {
  stringValue?: string | null | undefined;
  boolValue?: boolean | null | undefined;
  intValue?: string | number | null | undefined;
  doubleValue?: number | string | null | undefined;
  bytesValue?: string | null | undefined;
  arrayValue?: { values?: OtlpAnyValue[] | null | undefined } | null | undefined;
  kvlistValue?: { values?: OtlpKeyValue[] | null | undefined } | null | undefined;
}

interface OtlpKeyValue {
  key: string;
  value?: OtlpAnyValue | null | undefined;
}

// proto3 JSON: a null field means the default value, so every optional field may be null too.
const opt = <T extends z.ZodMiniType>(schema: T) => z.optional(z.nullable(schema));

// zod reports the issue of the option whose base type matched: each check carries the message.
const UINT64_MESSAGE = 'expected a non-negative integer (a decimal string or a number)';
const uint64 = z.union(
  [z.string().check(z.regex(/^\d+$/, UINT64_MESSAGE)), z.number().check(z.int(UINT64_MESSAGE), z.nonnegative(UINT64_MESSAGE))],
  UINT64_MESSAGE,
);
const INT64_MESSAGE = 'expected an integer (a decimal string or a number)';
const int64 = z.union([z.string().check(z.regex(/^-?\d+$/, INT64_MESSAGE)), z.number().check(z.int(INT64_MESSAGE))], INT64_MESSAGE);
const uint32 = z.number().check(z.int(), z.nonnegative());

const otlpAnyValue: z.ZodMiniType<OtlpAnyValue> = z.lazy(() =>
  z.object({
    stringValue: opt(z.string()),
    boolValue: opt(z.boolean()),
    intValue: opt(int64),
    doubleValue: opt(z.union([z.number(), z.enum(['NaN', 'Infinity', '-Infinity'])], 'expected a number')),
    bytesValue: opt(z.string().check(z.regex(/^[A-Za-z0-9+/_-]*={0,2}$/, 'expected base64'))),
    arrayValue: opt(z.object({ values: opt(z.array(otlpAnyValue)) })),
    kvlistValue: opt(z.object({ values: opt(z.array(otlpKeyValue)) })),
  }),
) as z.ZodMiniType<OtlpAnyValue>;

const otlpKeyValue: z.ZodMiniType<OtlpKeyValue> = z.lazy(() => z.object({ key: z.string(), value: opt(otlpAnyValue) }));

const attributes = opt(z.array(otlpKeyValue));

/** Hex of `bytes` bytes; base64 of exactly that many bytes is accepted (the plain proto3 mapping). */
export function idToHex(raw: string, bytes: number): string | undefined {
  let hex: string | undefined;
  if (/^[0-9a-fA-F]*$/.test(raw)) hex = raw.length === bytes * 2 ? raw.toLowerCase() : undefined;
  else if (/^[A-Za-z0-9+/]+={0,2}$/.test(raw)) {
    try {
      const decoded = atob(raw);
      if (decoded.length === bytes) hex = Array.from(decoded, (char) => char.charCodeAt(0).toString(16).padStart(2, '0')).join('');
    } catch {
      hex = undefined;
    }
  }
  return hex !== undefined && !/^0+$/.test(hex) ? hex : undefined;
}

const id = (bytes: number) =>
  z.string().check(z.refine((raw) => idToHex(raw, bytes) !== undefined, `expected ${bytes * 2} hex digits, not all zero`));
const parentId = z.string().check(z.refine((raw) => raw === '' || idToHex(raw, 8) !== undefined, 'expected "" or 16 hex digits'));

const KIND_NAMES = ['UNSPECIFIED', 'INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'] as const satisfies readonly SpanKind[];
const STATUS_NAMES = ['UNSET', 'OK', 'ERROR'] as const;
const KIND_MESSAGE = 'expected a span kind: 0–5 or SPAN_KIND_…';
const kind = z.union(
  [
    z.number().check(z.int(KIND_MESSAGE)),
    z.enum(
      KIND_NAMES.map((name) => `SPAN_KIND_${name}`),
      KIND_MESSAGE,
    ),
  ],
  KIND_MESSAGE,
);
const STATUS_MESSAGE = 'expected a status code: 0–2 or STATUS_CODE_…';
const statusCode = z.union(
  [
    z.number().check(z.int(STATUS_MESSAGE)),
    z.enum(
      STATUS_NAMES.map((name) => `STATUS_CODE_${name}`),
      STATUS_MESSAGE,
    ),
  ],
  STATUS_MESSAGE,
);

const otlpSpan = z.object({
  traceId: id(16),
  spanId: id(8),
  parentSpanId: opt(parentId),
  traceState: opt(z.string()),
  flags: opt(uint32),
  name: z.string().check(z.minLength(1, 'a span needs a name')),
  kind: opt(kind),
  startTimeUnixNano: uint64,
  endTimeUnixNano: uint64,
  attributes,
  droppedAttributesCount: opt(uint32),
  events: opt(z.array(z.object({ timeUnixNano: opt(uint64), name: opt(z.string()), attributes, droppedAttributesCount: opt(uint32) }))),
  droppedEventsCount: opt(uint32),
  links: opt(
    z.array(
      z.object({
        traceId: id(16),
        spanId: id(8),
        traceState: opt(z.string()),
        flags: opt(uint32),
        attributes,
        droppedAttributesCount: opt(uint32),
      }),
    ),
  ),
  droppedLinksCount: opt(uint32),
  status: opt(z.object({ code: opt(statusCode), message: opt(z.string()) })),
});

const otlpScope = z.object({ name: opt(z.string()), version: opt(z.string()), attributes, droppedAttributesCount: opt(uint32) });

const otlpScopeSpans = z.object({ scope: opt(otlpScope), spans: opt(z.array(otlpSpan)), schemaUrl: opt(z.string()) });

const otlpResourceSpans = z.object({
  resource: opt(z.object({ attributes, droppedAttributesCount: opt(uint32) })),
  scopeSpans: opt(z.array(otlpScopeSpans)),
  // Before OTLP 0.15 scopes were "instrumentation libraries"; old files still carry those names.
  instrumentationLibrarySpans: opt(
    z.array(z.object({ instrumentationLibrary: opt(otlpScope), spans: opt(z.array(otlpSpan)), schemaUrl: opt(z.string()) })),
  ),
  schemaUrl: opt(z.string()),
});

export const otlpTracesDataSchema = z.object({ resourceSpans: z.array(otlpResourceSpans) });

type OtlpTracesData = z.infer<typeof otlpTracesDataSchema>;
type OtlpSpan = z.infer<typeof otlpSpan>;

/** `resourceSpans[0].scopeSpans[1].spans[2].traceId` from a zod issue path. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.map((part, index) => (typeof part === 'number' ? `[${part}]` : `${index === 0 ? '' : '.'}${String(part)}`)).join('');
}

function validate(json: unknown, where: string): OtlpTracesData {
  if (Array.isArray(json)) {
    throw new OtlpFileError(
      `${where}expected an OTLP JSON object {"resourceSpans": […]}, got an array (Zipkin JSON is a list of spans: send it to Skein's Zipkin port instead)`,
    );
  }
  if (typeof json !== 'object' || json === null || !('resourceSpans' in json)) {
    const jaeger = typeof json === 'object' && json !== null && 'data' in json;
    throw new OtlpFileError(
      `${where}expected an OTLP JSON object with a "resourceSpans" list at the top${jaeger ? ' (this looks like a Jaeger UI export, which is not OTLP)' : ''}`,
    );
  }
  const parsed = otlpTracesDataSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new OtlpFileError(`${where}${formatPath(issue.path)}: ${issue.message}${describeFound(valueAt(json, issue.path))}`);
  }
  return parsed.data;
}

function valueAt(json: unknown, path: readonly PropertyKey[]): unknown {
  let value = json;
  for (const part of path) value = typeof value === 'object' && value !== null ? (value as Record<PropertyKey, unknown>)[part] : undefined;
  return value;
}

/** What was there instead, short enough for one line: `, got "xyz"`, `, but it is missing`. */
function describeFound(value: unknown): string {
  if (value === undefined) return ', but it is missing';
  if (typeof value === 'object' && value !== null) return `, got ${Array.isArray(value) ? 'a list' : 'an object'}`;
  const text = JSON.stringify(value);
  return `, got ${text.length > 60 ? `${text.slice(0, 57)}…` : text}`;
}

/**
 * The documents in a file: one JSON document, or one per line (the Collector's file exporter).
 * A syntax error names its line when the file has several.
 */
function parseDocuments(text: string): OtlpTracesData[] {
  if (text.trim() === '') throw new OtlpFileError('the file is empty');
  try {
    return [validate(parseJsonKeepingInt64(text), '')];
  } catch (wholeError) {
    const lines = text.split('\n').filter((line) => line.trim() !== '');
    if (!(wholeError instanceof SyntaxError) || lines.length < 2) throw describeSyntaxError(wholeError, '');
    return lines.map((line, index) => {
      const where = `line ${index + 1}: `;
      let json: unknown;
      try {
        json = parseJsonKeepingInt64(line);
      } catch (lineError) {
        throw describeSyntaxError(lineError, where);
      }
      return validate(json, where);
    });
  }
}

function describeSyntaxError(error: unknown, where: string): unknown {
  return error instanceof SyntaxError ? new OtlpFileError(`${where}not valid JSON: ${error.message}`) : error;
}

function anyValue(value: OtlpAnyValue | null | undefined): AnyValue {
  if (!value) return {};
  if (value.stringValue !== undefined && value.stringValue !== null) return { stringValue: value.stringValue };
  if (value.boolValue !== undefined && value.boolValue !== null) return { boolValue: value.boolValue };
  if (value.intValue !== undefined && value.intValue !== null) return { intValue: String(value.intValue) };
  if (value.doubleValue !== undefined && value.doubleValue !== null) return { doubleValue: value.doubleValue };
  if (value.bytesValue !== undefined && value.bytesValue !== null) return { bytesValue: value.bytesValue };
  if (value.arrayValue) return { arrayValue: { values: (value.arrayValue.values ?? []).map(anyValue) } };
  if (value.kvlistValue) return { kvlistValue: { values: keyValues(value.kvlistValue.values) } };
  return {};
}

function keyValues(list: readonly OtlpKeyValue[] | null | undefined): KeyValue[] {
  return (list ?? []).map((kv) => ({ key: kv.key, value: anyValue(kv.value) }));
}

function enumIndex(raw: number | string | null | undefined, names: readonly string[], prefix: string): number {
  if (raw === undefined || raw === null) return 0;
  // Out-of-range numbers read as "unspecified", as Skein's receiver does.
  if (typeof raw === 'number') return raw >= 0 && raw < names.length ? raw : 0;
  return Math.max(0, names.indexOf(raw.slice(prefix.length)));
}

/** Lists each distinct value once (by its JSON) and hands out its index, as the native API does. */
function indexer<T>(): { values: T[]; indexOf(value: T): number } {
  const values: T[] = [];
  const byJson = new Map<string, number>();
  return {
    values,
    indexOf(value) {
      const json = JSON.stringify(value);
      let index = byJson.get(json);
      if (index === undefined) {
        index = values.length;
        values.push(value);
        byJson.set(json, index);
      }
      return index;
    },
  };
}

interface SpanAt {
  span: OtlpSpan;
  path: string;
  resource: NativeResource;
  scope: NativeScope;
  serviceName: string;
}

function spansOf(documents: readonly OtlpTracesData[]): SpanAt[] {
  const out: SpanAt[] = [];
  documents.forEach((document, documentIndex) => {
    const where = documents.length > 1 ? `line ${documentIndex + 1}: ` : '';
    document.resourceSpans.forEach((resourceSpans, r) => {
      const resourceAttributes = keyValues(resourceSpans.resource?.attributes);
      const resource: NativeResource = {
        attributes: resourceAttributes,
        droppedAttributesCount: resourceSpans.resource?.droppedAttributesCount ?? 0,
        schemaUrl: resourceSpans.schemaUrl ?? '',
      };
      const serviceName = resourceAttributes.find((kv) => kv.key === 'service.name')?.value.stringValue ?? 'unknown_service';
      const groups = [
        ...(resourceSpans.scopeSpans ?? []).map((group, s) => ({
          scope: group.scope,
          spans: group.spans,
          schemaUrl: group.schemaUrl,
          key: `scopeSpans[${s}]`,
        })),
        ...(resourceSpans.instrumentationLibrarySpans ?? []).map((group, s) => ({
          scope: group.instrumentationLibrary,
          spans: group.spans,
          schemaUrl: group.schemaUrl,
          key: `instrumentationLibrarySpans[${s}]`,
        })),
      ];
      for (const group of groups) {
        const scope: NativeScope = {
          name: group.scope?.name ?? '',
          version: group.scope?.version ?? '',
          attributes: keyValues(group.scope?.attributes),
          droppedAttributesCount: group.scope?.droppedAttributesCount ?? 0,
          schemaUrl: group.schemaUrl ?? '',
        };
        (group.spans ?? []).forEach((span, i) =>
          out.push({ span, path: `${where}resourceSpans[${r}].${group.key}.spans[${i}]`, resource, scope, serviceName }),
        );
      }
    });
  });
  return out;
}

/**
 * The traces in an OTLP JSON file, newest first, each in the native API's shape (spans ordered by
 * start time). Throws OtlpFileError naming the problem and where it is for anything else.
 */
export function parseOtlpJsonFile(text: string): NativeTrace[] {
  const spans = spansOf(parseDocuments(text));
  if (spans.length === 0) throw new OtlpFileError('the file holds no spans ("resourceSpans" has no span in any scope)');
  const byTrace = new Map<
    string,
    { spans: NativeSpan[]; resources: ReturnType<typeof indexer<NativeResource>>; scopes: ReturnType<typeof indexer<NativeScope>> }
  >();
  for (const { span, path, resource, scope, serviceName } of spans) {
    const traceId = idToHex(span.traceId, 16)!;
    const start = BigInt(span.startTimeUnixNano);
    const end = BigInt(span.endTimeUnixNano);
    if (end < start) throw new OtlpFileError(`${path}: endTimeUnixNano (${end}) is before startTimeUnixNano (${start})`);
    let trace = byTrace.get(traceId);
    if (!trace) {
      trace = { spans: [], resources: indexer(), scopes: indexer() };
      byTrace.set(traceId, trace);
    }
    trace.spans.push({
      traceId,
      spanId: idToHex(span.spanId, 8)!,
      parentSpanId: span.parentSpanId ? idToHex(span.parentSpanId, 8)! : '',
      traceState: span.traceState ?? '',
      flags: span.flags ?? 0,
      name: span.name,
      kind: KIND_NAMES[enumIndex(span.kind, KIND_NAMES, 'SPAN_KIND_')]!,
      serviceName,
      startTimeUnixNano: start.toString(),
      endTimeUnixNano: end.toString(),
      durationNano: (end - start).toString(),
      attributes: keyValues(span.attributes),
      droppedAttributesCount: span.droppedAttributesCount ?? 0,
      events: (span.events ?? []).map((event) => ({
        timeUnixNano: BigInt(event.timeUnixNano ?? 0).toString(),
        name: event.name ?? '',
        attributes: keyValues(event.attributes),
        droppedAttributesCount: event.droppedAttributesCount ?? 0,
      })),
      droppedEventsCount: span.droppedEventsCount ?? 0,
      links: (span.links ?? []).map((link) => ({
        traceId: idToHex(link.traceId, 16)!,
        spanId: idToHex(link.spanId, 8)!,
        traceState: link.traceState ?? '',
        flags: link.flags ?? 0,
        attributes: keyValues(link.attributes),
        droppedAttributesCount: link.droppedAttributesCount ?? 0,
      })),
      droppedLinksCount: span.droppedLinksCount ?? 0,
      status: {
        code: STATUS_NAMES[enumIndex(span.status?.code, STATUS_NAMES, 'STATUS_CODE_')]!,
        message: span.status?.message ?? '',
      },
      resourceIndex: trace.resources.indexOf(resource),
      scopeIndex: trace.scopes.indexOf(scope),
    });
  }
  const traces = [...byTrace].map(([traceId, trace]): NativeTrace => ({
    traceId,
    spans: trace.spans.sort((a, b) => compareNanos(a.startTimeUnixNano, b.startTimeUnixNano)),
    resources: trace.resources.values,
    scopes: trace.scopes.values,
  }));
  return traces.sort(
    (a, b) => compareNanos(b.spans[0]!.startTimeUnixNano, a.spans[0]!.startTimeUnixNano) || a.traceId.localeCompare(b.traceId),
  );
}

function compareNanos(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
