import type { Span } from '../../model/span.js';
import type { FieldExpr, PipelineStage, ScalarExpr, SpansetExpr, SpansetOp, StructuralOp } from './ast.js';
import { evaluateField, spanMatches, usesScopes, type TraceView } from './trace-view.js';
import { arithmetic, compare, NIL, numberOf, valueKey, type Value } from './values.js';

/**
 * Per-trace evaluation of a spanset pipeline. The input is one spanset holding every span of the
 * trace; each stage maps the list of spansets to a new list, dropping empty ones. The trace
 * matches when the list that comes out is not empty.
 */
export interface Spanset {
  /** Ordered by start time, then span ID; no span twice. */
  spans: Span[];
  /** The `by(…)` values this spanset was grouped by. */
  groupBy: Array<{ field: FieldExpr; value: Value }>;
  /** Fields `select(…)` asked for. */
  selected: FieldExpr[];
}

export function evaluateSpans(expr: SpansetExpr, trace: TraceView): Spanset[] {
  return evaluate(expr, [{ spans: [...trace.spans], groupBy: [], selected: [] }], trace);
}

function evaluate(expr: SpansetExpr, input: Spanset[], trace: TraceView): Spanset[] {
  switch (expr.type) {
    case 'filter': {
      if (expr.condition === undefined) return input.filter((ss) => ss.spans.length > 0);
      const condition = expr.condition;
      const scopes = scopesOf(condition);
      const out: Spanset[] = [];
      for (const ss of input) {
        const spans = ss.spans.filter((span) => spanMatches(condition, scopes, trace, span));
        if (spans.length > 0) out.push({ ...ss, spans });
      }
      return out;
    }
    case 'spansetOp': {
      const out: Spanset[] = [];
      for (const ss of input) {
        const left = evaluate(expr.left, [ss], trace);
        const right = evaluate(expr.right, [ss], trace);
        out.push(...combine(expr.op, left, right, trace));
      }
      return out;
    }
    case 'pipeline': {
      let current = input;
      for (const stage of expr.stages) current = applyStage(stage, current, trace);
      return current;
    }
  }
}

const scopeCache = new WeakMap<FieldExpr, { events: boolean; links: boolean }>();
function scopesOf(condition: FieldExpr): { events: boolean; links: boolean } {
  let scopes = scopeCache.get(condition);
  if (scopes === undefined) {
    scopes = usesScopes(condition);
    scopeCache.set(condition, scopes);
  }
  return scopes;
}

function combine(op: SpansetOp, left: Spanset[], right: Spanset[], trace: TraceView): Spanset[] {
  if (op === '&&' || op === '||') {
    if (left.length === 0 || right.length === 0) return op === '&&' ? [] : [...left, ...right];
    return left.flatMap((l) => right.map((r) => union(l, r, l.spans.concat(r.spans))));
  }
  if (right.length === 0) return [];
  const out: Spanset[] = [];
  // A structural operator relates the right side to the left; with nothing on the left, the
  // negated forms keep every right-hand span and the others keep none.
  const lefts = left.length > 0 ? left : [{ spans: [], groupBy: [], selected: [] }];
  for (const l of lefts) {
    for (const r of right) {
      const spans = structural(op, l.spans, r.spans, trace);
      if (spans.length > 0) out.push(union(l, r, spans));
    }
  }
  return out;
}

function union(l: Spanset, r: Spanset, spans: Span[]): Spanset {
  return {
    spans: ordered(spans),
    groupBy: l.groupBy.length > 0 ? l.groupBy : r.groupBy,
    selected: [...l.selected, ...r.selected],
  };
}

function ordered(spans: Span[]): Span[] {
  const unique = [...new Set(spans)];
  return unique.sort((a, b) =>
    a.startTimeUnixNano === b.startTimeUnixNano
      ? a.spanId < b.spanId
        ? -1
        : a.spanId > b.spanId
          ? 1
          : 0
      : a.startTimeUnixNano < b.startTimeUnixNano
        ? -1
        : 1,
  );
}

/**
 * `L op R`: the right-hand spans in the relation (`>` child of, `>>` descendant of, `<` parent of,
 * `<<` ancestor of, `~` sibling of a left-hand span); `!op` those not in it; `&op` those in it
 * plus the left-hand spans they relate to.
 */
function structural(op: SpansetOp, left: Span[], right: Span[], trace: TraceView): Span[] {
  const base = op.replace(/^[!&]/, '') as StructuralOp;
  const leftSet = new Set(left);
  const related = relation(base, leftSet, trace);
  if (op.startsWith('!')) return right.filter((b) => !related(b));
  const matched = right.filter(related);
  if (!op.startsWith('&') || matched.length === 0) return matched;
  return [...matched, ...partners(base, left, new Set(matched), trace)];
}

function relation(op: StructuralOp, left: ReadonlySet<Span>, trace: TraceView): (b: Span) => boolean {
  switch (op) {
    case '>':
      return (b) => {
        const parent = trace.parentOf(b);
        return parent !== undefined && left.has(parent);
      };
    case '>>':
      return (b) => {
        for (const a of trace.ancestorsOf(b)) if (left.has(a)) return true;
        return false;
      };
    case '<':
      return (b) => (trace.children.get(b.spanId) ?? []).some((c) => left.has(c));
    case '<<': {
      const ancestorsOfLeft = new Set<Span>();
      for (const a of left) for (const up of trace.ancestorsOf(a)) ancestorsOfLeft.add(up);
      return (b) => ancestorsOfLeft.has(b);
    }
    case '~': {
      const leftByParent = new Map<string, number>();
      for (const a of left) if (a.parentSpanId !== '') leftByParent.set(a.parentSpanId, (leftByParent.get(a.parentSpanId) ?? 0) + 1);
      return (b) => b.parentSpanId !== '' && (leftByParent.get(b.parentSpanId) ?? 0) - (left.has(b) ? 1 : 0) > 0;
    }
  }
}

/** The left-hand spans that the matched right-hand spans relate to (for the `&` forms). */
function partners(op: StructuralOp, left: Span[], matched: ReadonlySet<Span>, trace: TraceView): Span[] {
  switch (op) {
    case '>':
      return left.filter((a) => (trace.children.get(a.spanId) ?? []).some((c) => matched.has(c)));
    case '>>':
      return left.filter((a) => [...matched].some((b) => [...trace.ancestorsOf(b)].includes(a)));
    case '<':
      return left.filter((a) => {
        const parent = trace.parentOf(a);
        return parent !== undefined && matched.has(parent);
      });
    case '<<':
      return left.filter((a) => {
        for (const up of trace.ancestorsOf(a)) if (matched.has(up)) return true;
        return false;
      });
    case '~':
      return left.filter((a) => a.parentSpanId !== '' && [...matched].some((b) => b !== a && b.parentSpanId === a.parentSpanId));
  }
}

function applyStage(stage: PipelineStage, input: Spanset[], trace: TraceView): Spanset[] {
  switch (stage.type) {
    case 'filter':
    case 'spansetOp':
    case 'pipeline':
      return evaluate(stage, input, trace);
    case 'scalarFilter':
      return input.filter((ss) => compare(stage.op, scalar(stage.left, ss, trace), scalar(stage.right, ss, trace)));
    case 'select':
      return input.map((ss) => ({ ...ss, selected: [...ss.selected, ...stage.fields] }));
    case 'coalesce':
      if (input.length === 0) return [];
      return [{ spans: ordered(input.flatMap((ss) => ss.spans)), groupBy: [], selected: input.flatMap((ss) => ss.selected) }];
    case 'by': {
      const out: Spanset[] = [];
      for (const ss of input) {
        const groups = new Map<string, Spanset>();
        for (const span of ss.spans) {
          const values = stage.fields.map((field) => evaluateField(field, { trace, span }));
          const key = values.map(valueKey).join('\u0000');
          let group = groups.get(key);
          if (group === undefined) {
            group = { spans: [], groupBy: stage.fields.map((field, i) => ({ field, value: values[i]! })), selected: ss.selected };
            groups.set(key, group);
            out.push(group);
          }
          group.spans.push(span);
        }
      }
      return out;
    }
  }
}

/** An aggregate over the spanset's spans; nil when no span has a numeric value for the field. */
function scalar(expr: ScalarExpr, ss: Spanset, trace: TraceView): Value {
  switch (expr.type) {
    case 'static':
      return expr.value;
    case 'arithmetic':
      return arithmetic(expr.op, scalar(expr.left, ss, trace), scalar(expr.right, ss, trace));
    case 'aggregate': {
      if (expr.fn === 'count' || expr.field === undefined) return { kind: 'int', value: BigInt(ss.spans.length) };
      let durations = true;
      const numbers: number[] = [];
      for (const span of ss.spans) {
        const v = evaluateField(expr.field, { trace, span });
        const n = numberOf(v);
        if (n === undefined) continue;
        if (v.kind !== 'duration') durations = false;
        numbers.push(n);
      }
      if (numbers.length === 0) return NIL;
      // A loop, not Math.min(...numbers): spreading a large spanset overflows the stack.
      let result = expr.fn === 'min' ? Infinity : expr.fn === 'max' ? -Infinity : 0;
      for (const n of numbers) result = expr.fn === 'min' ? Math.min(result, n) : expr.fn === 'max' ? Math.max(result, n) : result + n;
      if (expr.fn === 'avg') result /= numbers.length;
      return durations && Number.isFinite(result)
        ? { kind: 'duration', nanos: BigInt(Math.trunc(result)) }
        : { kind: 'float', value: result };
    }
  }
}
