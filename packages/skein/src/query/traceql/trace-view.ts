import { serviceNameOf, SPAN_KIND_NAMES, type KeyValue, type Span, type SpanEvent, type SpanLink } from '../../model/span.js';
import type { FieldExpr, Intrinsic, KindValue, StatusValue } from './ast.js';
import { compileRegex } from './field-parser.js';
import { arithmetic, compare, NIL, valueOfAny, type Value } from './values.js';

/**
 * One trace as the evaluator sees it: its spans with the parent/child structure indexed once, and
 * the trace-level intrinsics computed once.
 */
export class TraceView {
  readonly byId = new Map<string, Span>();
  readonly children = new Map<string, Span[]>();
  /** The earliest span without a parent, if one was stored. */
  readonly root: Span | undefined;
  readonly startNano: bigint;
  readonly durationNano: bigint;

  constructor(
    readonly traceId: string,
    /** Ordered by start time, then span ID (as storage returns them). */
    readonly spans: readonly Span[],
  ) {
    let start: bigint | undefined;
    let end: bigint | undefined;
    let root: Span | undefined;
    for (const span of spans) {
      this.byId.set(span.spanId, span);
      if (span.parentSpanId !== '') {
        const siblings = this.children.get(span.parentSpanId);
        if (siblings === undefined) this.children.set(span.parentSpanId, [span]);
        else siblings.push(span);
      } else {
        root ??= span;
      }
      if (start === undefined || span.startTimeUnixNano < start) start = span.startTimeUnixNano;
      if (end === undefined || span.endTimeUnixNano > end) end = span.endTimeUnixNano;
    }
    this.root = root;
    this.startNano = start ?? 0n;
    this.durationNano = end !== undefined && start !== undefined && end > start ? end - start : 0n;
  }

  parentOf(span: Span): Span | undefined {
    return span.parentSpanId === '' ? undefined : this.byId.get(span.parentSpanId);
  }

  /** The span's ancestors, nearest first (bounded: a cycle in bad data cannot loop forever). */
  *ancestorsOf(span: Span): Generator<Span> {
    let current = this.parentOf(span);
    for (let steps = 0; current !== undefined && steps < this.spans.length; steps++) {
      yield current;
      current = this.parentOf(current);
    }
  }
}

/** Where a field is read: the span, and the event / link a condition is being tried on. */
export interface FieldContext {
  trace: TraceView;
  span: Span;
  event?: SpanEvent | undefined;
  link?: SpanLink | undefined;
}

const STATUS_NAMES: readonly StatusValue[] = ['unset', 'ok', 'error'];

function attribute(attributes: readonly KeyValue[] | undefined, key: string): Value {
  if (attributes === undefined) return NIL;
  for (const kv of attributes) if (kv.key === key) return valueOfAny(kv.value);
  return NIL;
}

function stringOrNil(value: string | undefined): Value {
  return value === undefined || value === '' ? NIL : { kind: 'string', value };
}

const regexes = new WeakMap<FieldExpr, RegExp>();

function regexOf(expr: FieldExpr): RegExp | undefined {
  if (expr.type !== 'static' || expr.value.kind !== 'string') return undefined;
  let regex = regexes.get(expr);
  if (regex === undefined) {
    regex = compileRegex(expr.value.value, expr.pos);
    regexes.set(expr, regex);
  }
  return regex;
}

export function evaluateField(expr: FieldExpr, c: FieldContext): Value {
  switch (expr.type) {
    case 'static':
      return expr.value;
    case 'attribute':
      switch (expr.scope) {
        case 'span':
          return attribute(c.span.attributes, expr.name);
        case 'resource':
          return attribute(c.span.resource.attributes, expr.name);
        case 'instrumentation':
          return attribute(c.span.scope.attributes, expr.name);
        case 'event':
          return attribute(c.event?.attributes, expr.name);
        case 'link':
          return attribute(c.link?.attributes, expr.name);
        case 'none': {
          // Unscoped: the span's attribute when it has one, else its resource's.
          const own = attribute(c.span.attributes, expr.name);
          return own.kind === 'nil' ? attribute(c.span.resource.attributes, expr.name) : own;
        }
      }
      return NIL;
    case 'intrinsic':
      return intrinsic(expr.name, c);
    case 'unary': {
      const v = evaluateField(expr.operand, c);
      if (expr.op === '!') return v.kind === 'bool' ? { kind: 'bool', value: !v.value } : NIL;
      return arithmetic('-', { kind: 'int', value: 0n }, v);
    }
    case 'binary':
      switch (expr.op) {
        case '&&':
          return { kind: 'bool', value: isTrue(evaluateField(expr.left, c)) && isTrue(evaluateField(expr.right, c)) };
        case '||':
          return { kind: 'bool', value: isTrue(evaluateField(expr.left, c)) || isTrue(evaluateField(expr.right, c)) };
        case '+':
        case '-':
        case '*':
        case '/':
        case '%':
        case '^':
          return arithmetic(expr.op, evaluateField(expr.left, c), evaluateField(expr.right, c));
        default:
          return {
            kind: 'bool',
            value: compare(
              expr.op,
              evaluateField(expr.left, c),
              evaluateField(expr.right, c),
              expr.op === '=~' || expr.op === '!~' ? regexOf(expr.right) : undefined,
            ),
          };
      }
  }
}

export function isTrue(v: Value): boolean {
  return v.kind === 'bool' && v.value;
}

function intrinsic(name: Intrinsic, c: FieldContext): Value {
  const { span, trace } = c;
  switch (name) {
    case 'span:name':
      return { kind: 'string', value: span.name };
    case 'span:status':
      return { kind: 'status', value: STATUS_NAMES[span.status.code] ?? 'unset' };
    case 'span:statusMessage':
      return { kind: 'string', value: span.status.message };
    case 'span:kind':
      return { kind: 'spanKind', value: (SPAN_KIND_NAMES[span.kind] ?? 'UNSPECIFIED').toLowerCase() as KindValue };
    case 'span:duration':
      return {
        kind: 'duration',
        nanos: span.endTimeUnixNano > span.startTimeUnixNano ? span.endTimeUnixNano - span.startTimeUnixNano : 0n,
      };
    case 'span:id':
      return { kind: 'string', value: span.spanId };
    case 'span:parentID':
      return stringOrNil(span.parentSpanId);
    case 'span:childCount':
      return { kind: 'int', value: BigInt(trace.children.get(span.spanId)?.length ?? 0) };
    case 'trace:id':
      return { kind: 'string', value: trace.traceId };
    case 'trace:duration':
      return { kind: 'duration', nanos: trace.durationNano };
    case 'trace:rootName':
      return trace.root === undefined ? NIL : { kind: 'string', value: trace.root.name };
    case 'trace:rootService':
      return trace.root === undefined ? NIL : { kind: 'string', value: serviceNameOf(trace.root.resource) };
    case 'event:name':
      return c.event === undefined ? NIL : { kind: 'string', value: c.event.name };
    case 'event:timeSinceStart':
      return c.event === undefined ? NIL : { kind: 'duration', nanos: c.event.timeUnixNano - span.startTimeUnixNano };
    case 'link:traceID':
      return stringOrNil(c.link?.traceId);
    case 'link:spanID':
      return stringOrNil(c.link?.spanId);
    case 'instrumentation:name':
      return stringOrNil(span.scope.name);
    case 'instrumentation:version':
      return stringOrNil(span.scope.version);
  }
}

/** Which per-span collections a condition reads: it is then tried on each event / link. */
export function usesScopes(expr: FieldExpr): { events: boolean; links: boolean } {
  const found = { events: false, links: false };
  const walk = (e: FieldExpr): void => {
    if (e.type === 'attribute') {
      if (e.scope === 'event') found.events = true;
      if (e.scope === 'link') found.links = true;
    } else if (e.type === 'intrinsic') {
      if (e.name.startsWith('event:')) found.events = true;
      if (e.name.startsWith('link:')) found.links = true;
    } else if (e.type === 'unary') {
      walk(e.operand);
    } else if (e.type === 'binary') {
      walk(e.left);
      walk(e.right);
    }
  };
  walk(expr);
  return found;
}

/** True when some event (and some link) of the span makes the condition true. */
export function spanMatches(condition: FieldExpr, scopes: { events: boolean; links: boolean }, trace: TraceView, span: Span): boolean {
  const events = scopes.events && span.events.length > 0 ? span.events : [undefined];
  const links = scopes.links && span.links.length > 0 ? span.links : [undefined];
  for (const event of events) {
    for (const link of links) {
      if (isTrue(evaluateField(condition, { trace, span, event, link }))) return true;
    }
  }
  return false;
}
