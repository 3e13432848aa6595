import type { ComparisonOp, ConditionValue, SpanCondition, SpanField, SpanFilter } from '../../storage/span-query-types.js';
import type { FieldExpr, StaticValue, TraceQLQuery } from '../traceql/ast.js';
import { TraceQLUnsupportedError } from '../traceql/errors.js';
import type { MetricsFunction, MetricsQuery } from './tempo-metrics.js';

/**
 * A parsed TraceQL metrics query (the TraceQL parser's AST) → what storage aggregates: the
 * spanset filter as a tree of storage conditions, the function, its argument and `by` fields.
 * What storage cannot evaluate in one pass (spanset operators and pipelines before the metrics
 * stage, arithmetic, event/link/instrumentation attributes, trace-level intrinsics, a compare()
 * selection that is not one filter)
 * is a TraceQLUnsupportedError naming the construct and its position: a 400, never a wrong series.
 */

/** Tempo's default for compare()'s second argument. */
const DEFAULT_COMPARE_TOP_N = 10;
const STATUS_CODES = { unset: 0, ok: 1, error: 2 } as const;
const KIND_CODES = { unspecified: 0, internal: 1, server: 2, client: 3, producer: 4, consumer: 5 } as const;
const FLIPPED: Record<ComparisonOp, ComparisonOp> = {
  '=': '=',
  '!=': '!=',
  '>': '<',
  '>=': '<=',
  '<': '>',
  '<=': '>=',
  '=~': '=~',
  '!~': '!~',
};
const COMPARISONS = new Set<string>(['=', '!=', '>', '>=', '<', '<=', '=~', '!~']);

export function planMetricsQuery(query: TraceQLQuery): MetricsQuery {
  const metrics = query.metrics;
  if (metrics === undefined)
    throw new TraceQLUnsupportedError(
      'a query without a metrics function (rate(), count_over_time() …) on the metrics API',
      query.spans.pos,
    );
  if (query.spans.type !== 'filter')
    throw new TraceQLUnsupportedError('spanset operators or pipelines before a metrics function', query.spans.pos);
  const filter: SpanFilter = query.spans.condition === undefined ? { combine: 'all', conditions: [] } : filterOf(query.spans.condition);
  const planned: MetricsQuery = { filter, fn: metrics.fn satisfies MetricsFunction, quantiles: metrics.quantiles, by: [] };
  if (metrics.fn === 'compare') {
    const compare = metrics.compare;
    if (compare === undefined || compare.selection.type !== 'filter') {
      throw new TraceQLUnsupportedError('a compare() selection other than one spanset filter { … }', compare?.selection.pos ?? metrics.pos);
    }
    planned.compare = {
      selection: compare.selection.condition === undefined ? { combine: 'all', conditions: [] } : filterOf(compare.selection.condition),
      topN: compare.topN ?? DEFAULT_COMPARE_TOP_N,
      ...(compare.startNano !== undefined && compare.endNano !== undefined && { fromNano: compare.startNano, toNano: compare.endNano }),
    };
  }
  if (metrics.field !== undefined) planned.argument = { text: textOf(metrics.field), field: fieldOf(metrics.field) };
  planned.by = metrics.by.map((expr) => ({ text: textOf(expr), field: fieldOf(expr) }));
  const second = query.metricsSecondStage;
  if (second !== undefined) {
    planned.second = second.type === 'filter' ? { fn: 'filter', op: second.op, value: second.value } : { fn: second.type, count: second.n };
  }
  return planned;
}

/**
 * A TraceQL query that is one spanset filter (`{ … }`, no pipeline, no metrics stage) as a storage
 * span filter: the selections of the population analyses (query/analysis/).
 */
export function planSpanFilter(query: TraceQLQuery): SpanFilter {
  if (query.metrics !== undefined) throw new TraceQLUnsupportedError('a metrics function in a span selection', query.metrics.pos);
  if (query.spans.type !== 'filter')
    throw new TraceQLUnsupportedError('spanset operators or pipelines in a span selection', query.spans.pos);
  return query.spans.condition === undefined ? { combine: 'all', conditions: [] } : filterOf(query.spans.condition);
}

function filterOf(expr: FieldExpr): SpanFilter {
  const node = nodeOf(expr);
  return 'combine' in node ? node : { combine: 'all', conditions: [node] };
}

function nodeOf(expr: FieldExpr): SpanCondition | SpanFilter {
  if (expr.type === 'unary' && expr.op === '!') return { combine: 'not', conditions: [nodeOf(expr.operand)] };
  if (expr.type === 'binary' && (expr.op === '&&' || expr.op === '||')) {
    return { combine: expr.op === '&&' ? 'all' : 'any', conditions: [nodeOf(expr.left), nodeOf(expr.right)] };
  }
  if (expr.type === 'binary' && COMPARISONS.has(expr.op)) {
    const op = expr.op as ComparisonOp;
    if (expr.right.type === 'static' && expr.left.type !== 'static')
      return { field: fieldOf(expr.left), op, value: valueOf(expr.right.value) };
    if (expr.left.type === 'static' && expr.right.type !== 'static')
      return { field: fieldOf(expr.right), op: FLIPPED[op], value: valueOf(expr.left.value) };
  }
  throw new TraceQLUnsupportedError(
    'this expression in a metrics filter (only attribute/intrinsic comparisons with a value, && || ! and parentheses are)',
    expr.pos,
  );
}

function fieldOf(expr: FieldExpr): SpanField {
  if (expr.type === 'attribute') {
    if (expr.scope === 'span' || expr.scope === 'resource') return { kind: 'attribute', scope: expr.scope, key: expr.name };
    if (expr.scope === 'none') return { kind: 'attribute', scope: 'any', key: expr.name };
    throw new TraceQLUnsupportedError(`${expr.scope} attributes in metrics queries`, expr.pos);
  }
  if (expr.type === 'intrinsic') {
    switch (expr.name) {
      case 'span:name':
        return { kind: 'intrinsic', name: 'name' };
      case 'span:status':
        return { kind: 'intrinsic', name: 'status' };
      case 'span:statusMessage':
        return { kind: 'intrinsic', name: 'statusMessage' };
      case 'span:kind':
        return { kind: 'intrinsic', name: 'kind' };
      case 'span:duration':
        return { kind: 'intrinsic', name: 'duration' };
      default:
        throw new TraceQLUnsupportedError(`the intrinsic ${expr.name} in metrics queries`, expr.pos);
    }
  }
  throw new TraceQLUnsupportedError('an expression where an attribute or intrinsic is expected', expr.pos);
}

function valueOf(value: StaticValue): ConditionValue {
  switch (value.kind) {
    case 'string':
      return { type: 'string', value: value.value };
    case 'int':
      return { type: 'int', value: value.value };
    case 'float':
      return { type: 'float', value: value.value };
    case 'bool':
      return { type: 'bool', value: value.value };
    case 'duration':
      return { type: 'duration', nanos: value.nanos };
    case 'status':
      return { type: 'status', code: STATUS_CODES[value.value] };
    case 'spanKind':
      return { type: 'kind', kind: KIND_CODES[value.value] };
    case 'nil':
      return { type: 'nil' };
  }
}

/** The label key of a `by` field, as the query names it (`resource.service.name`, `.x`, `name`). */
function textOf(expr: FieldExpr): string {
  if (expr.type === 'attribute') {
    const name = /^[\w.\-/]+$/.test(expr.name) ? expr.name : JSON.stringify(expr.name);
    return expr.scope === 'none' ? `.${name}` : `${expr.scope}.${name}`;
  }
  if (expr.type === 'intrinsic') return expr.name.startsWith('span:') ? expr.name.slice(5) : expr.name;
  return '';
}
