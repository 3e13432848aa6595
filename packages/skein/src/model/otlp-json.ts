/** The OTLP JSON codec: one import point for the rest of Skein. */
export { decodeOtlpJsonTraces, encodeOtlpJsonTraces } from './otlp-json-traces.js';
export type { OtlpJsonTracesData, OtlpJsonResourceSpans, OtlpJsonScopeSpans } from './otlp-json-traces.js';
export { spanFromOtlpJson, spanToOtlpJson } from './otlp-json-span.js';
export type { OtlpJsonSpan, OtlpJsonEvent, OtlpJsonLink } from './otlp-json-span.js';
export {
  anyValueFromOtlpJson,
  anyValueToOtlpJson,
  attributeSearchValue,
  keyValuesFromOtlpJson,
  keyValuesToOtlpJson,
  resourceFromJson,
  resourceToJson,
  scopeFromJson,
  scopeToJson,
} from './otlp-json-values.js';
export type { OtlpJsonAnyValue, OtlpJsonKeyValue } from './otlp-json-values.js';
