import * as z from 'zod/mini';

/**
 * zod mirrors of the native API's JSON (docs/api.md). Responses are parsed at the edge so the
 * rest of the UI works with checked types; nanosecond times stay decimal strings (they exceed
 * 2^53) and are turned into BigInt only where arithmetic needs them.
 */

const nanos = z.string().check(z.regex(/^\d+$/, 'expected a decimal string of nanoseconds'));

export interface AnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string;
  doubleValue?: number | string;
  bytesValue?: string;
  arrayValue?: { values: AnyValue[] };
  kvlistValue?: { values: KeyValue[] };
}

export interface KeyValue {
  key: string;
  value: AnyValue;
}

// Recursive: arrays and key-value lists nest. Declared by hand because zod cannot infer cycles.
export const anyValueSchema: z.ZodMiniType<AnyValue> = z.lazy(() =>
  z.object({
    stringValue: z.optional(z.string()),
    boolValue: z.optional(z.boolean()),
    intValue: z.optional(z.string()),
    doubleValue: z.optional(z.union([z.number(), z.string()])),
    bytesValue: z.optional(z.string()),
    arrayValue: z.optional(z.object({ values: z.array(anyValueSchema) })),
    kvlistValue: z.optional(z.object({ values: z.array(keyValueSchema) })),
  }),
) as z.ZodMiniType<AnyValue>;

export const keyValueSchema: z.ZodMiniType<KeyValue> = z.lazy(() => z.object({ key: z.string(), value: anyValueSchema }));

const attributes = z.array(keyValueSchema);

export const spanKindSchema = z.enum(['UNSPECIFIED', 'INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER']);
export const statusCodeSchema = z.enum(['UNSET', 'OK', 'ERROR']);

export const nativeSpanSchema = z.object({
  traceId: z.string(),
  spanId: z.string(),
  parentSpanId: z.string(),
  traceState: z.string(),
  flags: z.number(),
  name: z.string(),
  kind: spanKindSchema,
  serviceName: z.string(),
  startTimeUnixNano: nanos,
  endTimeUnixNano: nanos,
  durationNano: nanos,
  attributes,
  droppedAttributesCount: z.number(),
  events: z.array(
    z.object({
      timeUnixNano: nanos,
      name: z.string(),
      attributes,
      droppedAttributesCount: z.number(),
    }),
  ),
  droppedEventsCount: z.number(),
  links: z.array(
    z.object({
      traceId: z.string(),
      spanId: z.string(),
      traceState: z.string(),
      flags: z.number(),
      attributes,
      droppedAttributesCount: z.number(),
    }),
  ),
  droppedLinksCount: z.number(),
  status: z.object({ code: statusCodeSchema, message: z.string() }),
  resourceIndex: z.number().check(z.int(), z.nonnegative()),
  scopeIndex: z.number().check(z.int(), z.nonnegative()),
});

export const resourceSchema = z.object({ attributes, droppedAttributesCount: z.number(), schemaUrl: z.string() });

export const scopeSchema = z.object({
  name: z.string(),
  version: z.string(),
  attributes,
  droppedAttributesCount: z.number(),
  schemaUrl: z.string(),
});

export const nativeTraceSchema = z.object({
  traceId: z.string(),
  spans: z.array(nativeSpanSchema),
  resources: z.array(resourceSchema),
  scopes: z.array(scopeSchema),
});

export const traceSummarySchema = z.object({
  traceId: z.string(),
  rootServiceName: z.string(),
  rootSpanName: z.string(),
  rootSpanMissing: z.boolean(),
  startTimeUnixNano: nanos,
  durationNano: nanos,
  /** Start and duration carry the trace page's clock-skew correction; false: raw recorded times. */
  skewCorrected: z.boolean(),
  spanCount: z.number(),
  errorCount: z.number(),
  services: z.array(z.object({ serviceName: z.string(), spanCount: z.number() })),
});

export const searchResponseSchema = z.object({
  traces: z.array(traceSummarySchema),
  limit: z.number(),
  startTimeUnixNano: nanos,
  endTimeUnixNano: nanos,
});

export const servicesResponseSchema = z.object({ services: z.array(z.string()) });

export const operationsResponseSchema = z.object({
  operations: z.array(z.object({ name: z.string(), spanKind: spanKindSchema })),
});

export const incomingLinksResponseSchema = z.object({
  links: z.array(
    z.object({ traceId: z.string(), spanId: z.string(), serviceName: z.string(), spanName: z.string(), linkedSpanId: z.string() }),
  ),
});

export const dependenciesResponseSchema = z.object({
  dependencies: z.array(
    z.object({
      parentService: z.string(),
      childService: z.string(),
      callCount: z.number().check(z.nonnegative()),
      errorCount: z.number().check(z.nonnegative()),
    }),
  ),
  startTimeUnixNano: nanos,
  endTimeUnixNano: nanos,
});

/** `GET /api/v1/attributes`: attribute keys seen in the window, most frequent first. */
export const attributesResponseSchema = z.object({
  attributes: z.array(z.object({ key: z.string(), scope: z.enum(['span', 'resource']), count: z.number().check(z.nonnegative()) })),
});

/** `GET /api/v1/attributes/{key}/values`: the key's values, most frequent first. */
export const attributeValuesResponseSchema = z.object({
  values: z.array(z.object({ value: z.string(), count: z.number().check(z.nonnegative()) })),
});

/** Only the envelope of `?format=otlp`: the body is saved as it came, not re-encoded. */
export const otlpTracesEnvelopeSchema = z.looseObject({ resourceSpans: z.array(z.unknown()) });

export const apiErrorSchema = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

export type NativeSpan = z.infer<typeof nativeSpanSchema>;
export type NativeTrace = z.infer<typeof nativeTraceSchema>;
export type NativeResource = z.infer<typeof resourceSchema>;
export type NativeScope = z.infer<typeof scopeSchema>;
export type SpanKind = z.infer<typeof spanKindSchema>;
export type TraceSummary = z.infer<typeof traceSummarySchema>;
export type SearchResponse = z.infer<typeof searchResponseSchema>;
export type DependenciesResponse = z.infer<typeof dependenciesResponseSchema>;
export type ForeignIncomingLink = z.infer<typeof incomingLinksResponseSchema>['links'][number];
export type Operation = z.infer<typeof operationsResponseSchema>['operations'][number];
export type AttributeKey = z.infer<typeof attributesResponseSchema>['attributes'][number];
export type AttributeValue = z.infer<typeof attributeValuesResponseSchema>['values'][number];

/** RED figures of a window, a step or a node/edge (docs/api.md, "Metrics"). */
const redFields = {
  calls: z.number(),
  rate: z.number(),
  errors: z.number(),
  errorRatio: z.number(),
  p50Millis: z.nullable(z.number()),
  p95Millis: z.nullable(z.number()),
  p99Millis: z.nullable(z.number()),
};
const redSchema = z.object(redFields);
const redGroupSchema = z.object({
  serviceName: z.string(),
  operation: z.optional(z.string()),
  ...redFields,
  previous: redSchema,
  change: z.record(z.string(), z.nullable(z.number())),
  points: z.array(z.object({ timeUnixMillis: z.number(), ...redFields })),
});
export const metricsServicesResponseSchema = z.object({
  startTimeUnixMillis: z.number(),
  endTimeUnixMillis: z.number(),
  stepMillis: z.number(),
  services: z.array(redGroupSchema),
});
export const metricsOperationsResponseSchema = z.object({
  startTimeUnixMillis: z.number(),
  endTimeUnixMillis: z.number(),
  stepMillis: z.number(),
  operations: z.array(redGroupSchema),
});
export const exemplarsResponseSchema = z.object({
  exemplars: z.array(
    z.object({
      serviceName: z.string(),
      operation: z.string(),
      timeUnixMillis: z.number(),
      kind: z.string(),
      traceId: z.string(),
      spanId: z.string(),
      durationMillis: z.number(),
      error: z.boolean(),
    }),
  ),
});
/** `GET /api/v1/metrics/service-map`: the metrics tap's service graph with RED per node and edge. */
export const serviceMapResponseSchema = z.object({
  startTimeUnixMillis: z.number(),
  endTimeUnixMillis: z.number(),
  stepMillis: z.number(),
  nodes: z.array(z.object({ name: z.string(), virtual: z.boolean(), type: z.string(), ...redFields })),
  edges: z.array(z.object({ client: z.string(), server: z.string(), connectionType: z.string(), ...redFields })),
});
export type ServiceMapResponse = z.infer<typeof serviceMapResponseSchema>;
export type RedGroup = z.infer<typeof redGroupSchema>;
export type RedFigures = z.infer<typeof redSchema>;
export type Exemplar = z.infer<typeof exemplarsResponseSchema>['exemplars'][number];

// TraceQL: the native parse check and Tempo's API as the query port serves it under /tempo
// (the same routes and shapes Grafana's Tempo data source reads).

export const traceqlParseSchema = z.union([
  z.object({ valid: z.literal(true), kind: z.enum(['search', 'metrics']) }),
  z.object({
    valid: z.literal(false),
    error: z.object({ message: z.string(), line: z.number(), column: z.number(), offset: z.number() }),
  }),
]);

export type TraceQLParse = z.infer<typeof traceqlParseSchema>;

const tempoSpanSchema = z.object({
  spanID: z.string(),
  name: z.optional(z.string()),
  startTimeUnixNano: nanos,
  durationNanos: z.optional(nanos),
  attributes: z.optional(z.array(keyValueSchema)),
});

export const tempoSearchResponseSchema = z.object({
  traces: z.array(
    z.object({
      traceID: z.string(),
      rootServiceName: z.optional(z.string()),
      rootTraceName: z.optional(z.string()),
      startTimeUnixNano: nanos,
      durationMs: z.optional(z.number()),
      spanSets: z.optional(z.array(z.object({ spans: z.array(tempoSpanSchema), matched: z.number() }))),
      serviceStats: z.optional(z.record(z.string(), z.object({ spanCount: z.number(), errorCount: z.optional(z.number()) }))),
    }),
  ),
});

export type TempoSearchResponse = z.infer<typeof tempoSearchResponseSchema>;
export type TempoTrace = TempoSearchResponse['traces'][number];

export const tempoScopedTagsSchema = z.object({ scopes: z.array(z.object({ name: z.string(), tags: z.array(z.string()) })) });

export const tempoTagValuesSchema = z.object({ tagValues: z.array(z.object({ type: z.string(), value: z.optional(z.string()) })) });

export const tempoQueryRangeSchema = z.object({
  series: z.array(
    z.object({
      labels: z.array(keyValueSchema),
      samples: z.array(z.object({ timestampMs: z.string(), value: z.optional(z.number()) })),
      exemplars: z.optional(z.array(z.object({ labels: z.array(keyValueSchema), timestampMs: z.string(), value: z.optional(z.number()) }))),
    }),
  ),
});

export type TempoQueryRange = z.infer<typeof tempoQueryRangeSchema>;

/** `GET /api/v1/traces/{id}/outline`: a window of a big trace's rows, assembled on the server. */
export const outlineResponseSchema = z.object({
  traceId: z.string(),
  spanCount: z.number(),
  rowCount: z.number(),
  startTimeUnixNano: nanos,
  durationNano: z.number(),
  depth: z.number(),
  errorCount: z.number(),
  services: z.array(z.string()),
  root: z.object({ service: z.string(), name: z.string(), spanId: z.string() }),
  fold: z.number(),
  toggled: z.array(z.number()),
  offset: z.number(),
  rows: z.array(
    z.object({
      position: z.number(),
      spanId: z.string(),
      parentSpanId: z.string(),
      depth: z.number(),
      service: z.string(),
      name: z.string(),
      startOffsetNano: z.number(),
      durationNano: z.number(),
      error: z.boolean(),
      orphan: z.boolean(),
      children: z.number(),
      descendants: z.number(),
      expanded: z.boolean(),
    }),
  ),
  summary: z.optional(z.array(z.tuple([z.number(), z.number(), z.number()]))),
  search: z.optional(z.object({ count: z.number(), position: z.optional(z.number()), row: z.optional(z.number()) })),
});
export type OutlineResponse = z.infer<typeof outlineResponseSchema>;
export type OutlineRow = OutlineResponse['rows'][number];

/** A log record as the native logs API sends it (docs/api.md, "Logs"). */
export const nativeLogSchema = z.object({
  logId: z.string(),
  timeUnixNano: nanos,
  observedTimeUnixNano: nanos,
  severityNumber: z.number(),
  severityName: z.string(),
  severityText: z.string(),
  body: anyValueSchema,
  attributes: z.array(keyValueSchema),
  droppedAttributesCount: z.number(),
  flags: z.number(),
  traceId: z.string(),
  spanId: z.string(),
  eventName: z.string(),
  serviceName: z.string(),
  resourceIndex: z.number(),
  scopeIndex: z.number(),
});

export const logsResponseSchema = z.object({
  logs: z.array(nativeLogSchema),
  resources: z.array(resourceSchema),
  scopes: z.array(scopeSchema),
});

export type NativeLog = z.infer<typeof nativeLogSchema>;
export type LogsResponse = z.infer<typeof logsResponseSchema>;

/** `/api/v1/traces/{id}/logs/counts`: records per span ID. */
export const logCountsResponseSchema = z.object({
  traceId: z.string(),
  total: z.number(),
  spans: z.array(z.object({ spanId: z.string(), count: z.number() })),
});

export type LogCountsResponse = z.infer<typeof logCountsResponseSchema>;
