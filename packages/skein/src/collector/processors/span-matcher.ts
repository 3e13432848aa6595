import { z } from 'zod';
import { attributeSearchValue } from '../../model/otlp-json-values.js';
import { SPAN_KIND_NAMES, STATUS_CODE_NAMES, serviceNameOf, type AnyValue, type KeyValue, type Span } from '../../model/span.js';
import { durationNanosSchema } from '../../model/duration-schema.js';
import { regexSchema } from './config-values.js';
import { ConfigError } from '../../model/config-error.js';
import type { LogRecord } from '../../model/log-record.js';

/**
 * Span selection shared by `attributes` (include/exclude) and `filter`: the OpenTelemetry
 * Collector's `filterconfig.MatchProperties`, plus Skein's status, numeric and duration criteria.
 *
 * Every criterion given must hold (AND); inside a list, any entry may match (OR) — except
 * `attributes` and `resources`, where every listed key must match, as in the Collector.
 *
 * ```yaml
 * match_type: regexp            # strict (default) | regexp; applies to services, span names,
 * services: [checkout, cart.*]  #   libraries and string attribute values
 * span_names: ['GET /api/.*']
 * span_kinds: [SPAN_KIND_SERVER]    # or server
 * status_codes: [STATUS_CODE_ERROR] # or ERROR
 * attributes: [{ key: http.route, value: /healthz }, { key: http.response.status_code, gte: 500 }]
 * resources: [{ key: deployment.environment, value: staging }]
 * libraries: [{ name: '@opentelemetry/instrumentation-fs' }]
 * min_duration: 1ms               # duration >= min_duration
 * max_duration: 5s                # duration <= max_duration
 * ```
 */
export const attributeMatchSchema = z
  .object({
    key: z.string().min(1),
    /** Absent: the key only has to be present. */
    value: z.union([z.string(), z.number(), z.boolean()]).optional(),
    gt: z.number().optional(),
    gte: z.number().optional(),
    lt: z.number().optional(),
    lte: z.number().optional(),
  })
  .strict();

const kindSchema = z.string().transform((text, ctx) => {
  const index = SPAN_KIND_NAMES.indexOf(text.toUpperCase().replace(/^SPAN_KIND_/, '') as (typeof SPAN_KIND_NAMES)[number]);
  if (index < 0) ctx.addIssue({ code: 'custom', message: `unknown span kind "${text}"` });
  return index;
});

const statusSchema = z.string().transform((text, ctx) => {
  const index = STATUS_CODE_NAMES.indexOf(text.toUpperCase().replace(/^STATUS_CODE_/, '') as (typeof STATUS_CODE_NAMES)[number]);
  if (index < 0) ctx.addIssue({ code: 'custom', message: `unknown status code "${text}"` });
  return index;
});

export const matchPropertiesSchema = z
  .object({
    match_type: z.enum(['strict', 'regexp']).default('strict'),
    services: z.array(z.string()).optional(),
    span_names: z.array(z.string()).optional(),
    span_kinds: z.array(kindSchema).optional(),
    status_codes: z.array(statusSchema).optional(),
    attributes: z.array(attributeMatchSchema).optional(),
    resources: z.array(attributeMatchSchema).optional(),
    libraries: z.array(z.object({ name: z.string(), version: z.string().optional() }).strict()).optional(),
    min_duration: durationNanosSchema.optional(),
    max_duration: durationNanosSchema.optional(),
  })
  .strict()
  .superRefine((props, ctx) => {
    const { match_type: matchType, ...criteria } = props;
    if (Object.values(criteria).every((value) => value === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'at least one matching criterion is required (services, span_names, attributes, …)' });
    }
    if (matchType !== 'regexp') return;
    const patterns = [
      ...(props.services ?? []),
      ...(props.span_names ?? []),
      ...(props.libraries ?? []).flatMap((library) => [library.name, library.version ?? '']),
      ...[...(props.attributes ?? []), ...(props.resources ?? [])].flatMap((attribute) =>
        typeof attribute.value === 'string' ? [attribute.value] : [],
      ),
    ];
    for (const pattern of patterns) {
      if (!regexSchema.safeParse(pattern).success) ctx.addIssue({ code: 'custom', message: `invalid regular expression "${pattern}"` });
    }
  });

export type MatchProperties = z.output<typeof matchPropertiesSchema>;
export type AttributeMatch = z.output<typeof attributeMatchSchema>;

export type SpanPredicate = (span: Span) => boolean;

/** The Collector's `include`/`exclude` pair: processed when include matches (or is absent) and exclude does not. */
export function includeExcludePredicate(include: MatchProperties | undefined, exclude: MatchProperties | undefined): SpanPredicate {
  const included = include ? compileMatchProperties(include) : undefined;
  const excluded = exclude ? compileMatchProperties(exclude) : undefined;
  return (span) => (included === undefined || included(span)) && (excluded === undefined || !excluded(span));
}

export function compileMatchProperties(props: MatchProperties): SpanPredicate {
  const regexp = props.match_type === 'regexp';
  const text = (pattern: string): ((value: string) => boolean) => {
    if (!regexp) return (value) => value === pattern;
    const re = new RegExp(pattern);
    return (value) => re.test(value);
  };
  const anyOf = (patterns: string[]) => {
    const tests = patterns.map(text);
    return (value: string) => tests.some((test) => test(value));
  };
  const checks: SpanPredicate[] = [];
  if (props.services) {
    const test = anyOf(props.services);
    // Resources are shared by many spans and never edited in place: remember each one's answer.
    const seen = new WeakMap<Span['resource'], boolean>();
    checks.push((span) => {
      let result = seen.get(span.resource);
      if (result === undefined) seen.set(span.resource, (result = test(serviceNameOf(span.resource))));
      return result;
    });
  }
  if (props.span_names) {
    const test = anyOf(props.span_names);
    checks.push((span) => test(span.name));
  }
  if (props.span_kinds) {
    const kinds = new Set<number>(props.span_kinds);
    checks.push((span) => kinds.has(span.kind));
  }
  if (props.status_codes) {
    const codes = new Set<number>(props.status_codes);
    checks.push((span) => codes.has(span.status.code));
  }
  if (props.attributes) {
    const tests = props.attributes.map((attribute) => attributeTest(attribute, regexp));
    checks.push((span) => tests.every((test) => test(span.attributes)));
  }
  if (props.resources) {
    const tests = props.resources.map((attribute) => attributeTest(attribute, regexp));
    checks.push((span) => tests.every((test) => test(span.resource.attributes)));
  }
  if (props.libraries) {
    const tests = props.libraries.map((library) => {
      const name = text(library.name);
      const version = library.version === undefined ? undefined : text(library.version);
      return (span: Span) => name(span.scope.name) && (version === undefined || version(span.scope.version));
    });
    checks.push((span) => tests.some((test) => test(span)));
  }
  const min = props.min_duration;
  const max = props.max_duration;
  if (min !== undefined || max !== undefined) {
    checks.push((span) => {
      const duration = span.endTimeUnixNano - span.startTimeUnixNano;
      return (min === undefined || duration >= min) && (max === undefined || duration <= max);
    });
  }
  return (span) => checks.every((check) => check(span));
}

/** One attribute criterion: the key present, and its value as `match` says (strict, regexp, numeric bounds). */
export function attributeTest(match: AttributeMatch, regexp: boolean): (attributes: readonly KeyValue[]) => boolean {
  const valueTest = attributeValueTest(match, regexp);
  return (attributes) => {
    for (const attribute of attributes) if (attribute.key === match.key) return valueTest(attribute.value);
    return false;
  };
}

function attributeValueTest(match: AttributeMatch, regexp: boolean): (value: AnyValue) => boolean {
  const tests: Array<(value: AnyValue) => boolean> = [];
  const expected = match.value;
  if (typeof expected === 'string') {
    if (regexp) {
      const re = new RegExp(expected);
      tests.push((value) => re.test(attributeSearchValue(value)));
    } else {
      tests.push((value) => value === expected);
    }
  } else if (typeof expected === 'number') {
    // YAML `200` must match the OTLP int 200n as well as the double 200.
    tests.push((value) => (typeof value === 'bigint' || typeof value === 'number') && Number(value) === expected);
  } else if (typeof expected === 'boolean') {
    tests.push((value) => value === expected);
  }
  const { gt, gte, lt, lte } = match;
  if (gt !== undefined || gte !== undefined || lt !== undefined || lte !== undefined) {
    tests.push((value) => {
      const number = numericValue(value);
      if (number === undefined) return false;
      return (
        (gt === undefined || number > gt) &&
        (gte === undefined || number >= gte) &&
        (lt === undefined || number < lt) &&
        (lte === undefined || number <= lte)
      );
    });
  }
  return (value) => tests.every((test) => test(value));
}

/** Ints, doubles, and strings that are plain decimal numbers (HTTP status codes arrive both ways). */
function numericValue(value: AnyValue): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'string' && /^-?\d+(?:\.\d+)?$/.test(value)) return Number(value);
  return undefined;
}

/**
 * The logs side of `include`/`exclude` (the `attributes` processor in a logs pipeline): the
 * criteria a log record has too — `services` and `resources` (its resource), `attributes` (its
 * own attributes), `libraries` (its scope) — as the Collector matches logs with the same
 * `MatchProperties`. Span-only criteria are a config error naming the key.
 */
export function logIncludeExcludePredicate(
  include: MatchProperties | undefined,
  exclude: MatchProperties | undefined,
  keyPath: string,
): (log: LogRecord) => boolean {
  const compile = (props: MatchProperties | undefined, which: string): ((log: LogRecord) => boolean) | undefined => {
    if (props === undefined) return undefined;
    for (const key of ['span_names', 'span_kinds', 'status_codes', 'min_duration', 'max_duration'] as const) {
      if (props[key] !== undefined) {
        throw new ConfigError(
          `${keyPath}.${which}.${key}: selects spans; log records are matched by services, resources, attributes, libraries`,
          `${keyPath}.${which}.${key}`,
        );
      }
    }
    // A log record carries what these criteria read under the same names as a span.
    const spanPredicate = compileMatchProperties(props);
    return (log) => spanPredicate(log as unknown as Span);
  };
  const included = compile(include, 'include');
  const excluded = compile(exclude, 'exclude');
  return (log) => (included === undefined || included(log)) && (excluded === undefined || !excluded(log));
}
