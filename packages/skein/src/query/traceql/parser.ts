import type {
  AggregateFn,
  ArithmeticOp,
  ComparisonOp,
  FieldExpr,
  MetricsFn,
  MetricsSecondStage,
  MetricsStage,
  PipelineStage,
  QueryHint,
  ScalarExpr,
  SpansetExpr,
  SpansetOp,
  StaticValue,
  TraceQLQuery,
} from './ast.js';
import { TraceQLParseError } from './errors.js';
import { parseFieldExpr, staticKeyword, staticType } from './field-parser.js';
import { tokenize } from './lexer.js';
import { TokenStream } from './token-stream.js';

/**
 * TraceQL text → typed AST. Throws {@link TraceQLParseError} (line, column, what was expected) or
 * TraceQLUnsupportedError (a construct Skein does not evaluate).
 *
 * Spanset-level precedence, loosest first: `|` (pipeline), `||`, `&&`, the structural operators
 * (`>`, `>>`, `<`, `<<`, `~` and their `!` and `&` forms), all left-associative.
 */
export function parseTraceQL(text: string): TraceQLQuery {
  const s = new TokenStream(tokenize(text));
  const query = parseQuery(s);
  if (s.peek().kind !== 'eof') s.unexpected(`'|', a spanset operator, 'with' or the end of the query`);
  return query;
}

const AGGREGATES = new Set<string>(['count', 'avg', 'min', 'max', 'sum']);
const METRICS = new Set<string>([
  'rate',
  'count_over_time',
  'min_over_time',
  'max_over_time',
  'avg_over_time',
  'sum_over_time',
  'quantile_over_time',
  'histogram_over_time',
  'compare',
]);
const STRUCTURAL = ['>', '>>', '<', '<<', '~'];
const SPANSET_OPS: Record<string, number> = { '||': 1, '&&': 2 };
for (const op of STRUCTURAL) SPANSET_OPS[op] = SPANSET_OPS[`!${op}`] = SPANSET_OPS[`&${op}`] = 3;
const COMPARISONS = new Set<string>(['=', '!=', '>', '>=', '<', '<=']);

function parseQuery(s: TokenStream): TraceQLQuery {
  const spans = parsePipeline(s, true);
  const query: TraceQLQuery = { spans, hints: [] };
  if (s.isPunct('|') && isMetricsFn(s, 1)) {
    s.next();
    query.metrics = parseMetrics(s);
    const second = parseMetricsSecondStage(s);
    if (second !== undefined) query.metricsSecondStage = second;
  }
  if (s.isIdent('with')) query.hints = parseHints(s);
  return query;
}

function isMetricsFn(s: TokenStream, ahead: number): boolean {
  const token = s.peek(ahead);
  return token.kind === 'ident' && METRICS.has(token.value) && s.isPunct('(', ahead + 1);
}

/** Stages joined by `|`; at the top level a metrics function ends the spanset pipeline. */
function parsePipeline(s: TokenStream, topLevel: boolean): SpansetExpr {
  const pos = s.peek().pos;
  const stages: PipelineStage[] = [];
  if (startsScalar(s)) {
    // `count() > 10` alone filters the spanset of every span: `{ } | count() > 10`.
    stages.push({ type: 'filter', pos }, parseScalarFilter(s));
  } else {
    stages.push(parseSpansetExpr(s, 0));
  }
  while (s.isPunct('|') && !(topLevel && isMetricsFn(s, 1))) {
    s.next();
    stages.push(parseStage(s));
  }
  return stages.length === 1 ? (stages[0] as SpansetExpr) : { type: 'pipeline', stages, pos };
}

function startsScalar(s: TokenStream): boolean {
  const token = s.peek();
  return (
    (token.kind === 'ident' && AGGREGATES.has(token.value) && s.isPunct('(', 1)) ||
    token.kind === 'int' ||
    token.kind === 'float' ||
    token.kind === 'duration'
  );
}

function parseStage(s: TokenStream): PipelineStage {
  const token = s.peek();
  if (token.kind === 'ident' && s.isPunct('(', 1)) {
    if (token.value === 'by' || token.value === 'select') {
      s.next();
      return { type: token.value, fields: parseFieldList(s, token.value), pos: token.pos };
    }
    if (token.value === 'coalesce') {
      s.next();
      s.expectPunct('(');
      s.expectPunct(')', 'after coalesce(');
      return { type: 'coalesce', pos: token.pos };
    }
  }
  if (startsScalar(s)) return parseScalarFilter(s);
  if (s.isPunct('{') || s.isPunct('(')) return parseSpansetExpr(s, 0);
  return s.unexpected(`a spanset filter '{', an aggregate (count, avg, min, max, sum), by(), select() or coalesce()`);
}

function parseFieldList(s: TokenStream, what: string): FieldExpr[] {
  s.expectPunct('(', `after ${what}`);
  const fields = [parseFieldExpr(s)];
  while (s.isPunct(',')) {
    s.next();
    fields.push(parseFieldExpr(s));
  }
  s.expectPunct(')', `to close ${what}(`);
  return fields;
}

function parseSpansetExpr(s: TokenStream, minPrecedence: number): SpansetExpr {
  let left = parseSpansetPrimary(s);
  for (;;) {
    const token = s.peek();
    const precedence = token.kind === 'punct' ? SPANSET_OPS[token.value] : undefined;
    if (precedence === undefined || precedence <= minPrecedence) return left;
    s.next();
    const right = s.nested(() => parseSpansetExpr(s, precedence));
    left = { type: 'spansetOp', op: (token as { value: string }).value as SpansetOp, left, right, pos: token.pos };
  }
}

function parseSpansetPrimary(s: TokenStream): SpansetExpr {
  const token = s.peek();
  if (s.isPunct('{')) {
    s.next();
    if (s.isPunct('}')) {
      s.next();
      return { type: 'filter', pos: token.pos };
    }
    const condition = parseFieldExpr(s);
    const type = staticType(condition);
    if (type !== undefined && type !== 'bool')
      throw new TraceQLParseError(condition.pos, `expected a boolean condition in the spanset filter, found ${type}`);
    s.expectPunct('}', 'to close the spanset filter');
    return { type: 'filter', condition, pos: token.pos };
  }
  if (s.isPunct('(')) {
    s.next();
    const inner = s.nested(() => parsePipeline(s, false));
    s.expectPunct(')', 'to close the parenthesis');
    return inner;
  }
  return s.unexpected(`a spanset filter '{' or '('`);
}

/** `count() > 2`, `avg(duration) > 20ms`, `sum(span.bytes) / count() > 1024`. */
function parseScalarFilter(s: TokenStream): PipelineStage {
  const left = parseScalar(s, 0);
  const token = s.peek();
  if (token.kind !== 'punct' || !COMPARISONS.has(token.value))
    return s.unexpected('a comparison (=, !=, >, >=, <, <=) after the aggregate');
  s.next();
  const right = parseScalar(s, 0);
  if (left.type === 'static' && right.type === 'static')
    throw new TraceQLParseError(left.pos, 'a pipeline comparison needs an aggregate (count, avg, min, max, sum)');
  return { type: 'scalarFilter', op: token.value as ComparisonOp, left, right, pos: token.pos };
}

const SCALAR_PRECEDENCE: Record<string, number> = { '+': 1, '-': 1, '*': 2, '/': 2, '%': 2, '^': 3 };

function parseScalar(s: TokenStream, minPrecedence: number): ScalarExpr {
  let left = parseScalarPrimary(s);
  for (;;) {
    const token = s.peek();
    const precedence = token.kind === 'punct' ? SCALAR_PRECEDENCE[token.value] : undefined;
    if (precedence === undefined || precedence <= minPrecedence) return left;
    s.next();
    // `^` is right-associative: its right side may hold another `^`.
    const right = s.nested(() => parseScalar(s, token.kind === 'punct' && token.value === '^' ? precedence - 1 : precedence));
    left = { type: 'arithmetic', op: (token as { value: string }).value as ArithmeticOp, left, right, pos: token.pos };
  }
}

function parseScalarPrimary(s: TokenStream): ScalarExpr {
  const token = s.peek();
  if (token.kind === 'ident' && AGGREGATES.has(token.value) && s.isPunct('(', 1)) {
    s.next();
    s.next();
    if (token.value === 'count') {
      s.expectPunct(')', 'count() takes no argument');
      return { type: 'aggregate', fn: 'count', pos: token.pos };
    }
    const field = parseFieldExpr(s);
    s.expectPunct(')', `to close ${token.value}(`);
    return { type: 'aggregate', fn: token.value as AggregateFn, field, pos: token.pos };
  }
  if (s.isPunct('(')) {
    s.next();
    const inner = s.nested(() => parseScalar(s, 0));
    s.expectPunct(')', 'to close the parenthesis');
    return inner;
  }
  const value = parseNumber(s);
  if (value === undefined) return s.unexpected('an aggregate (count, avg, min, max, sum) or a number');
  return { type: 'static', value, pos: token.pos };
}

/** A number or duration literal, optionally negative. */
function parseNumber(s: TokenStream): StaticValue | undefined {
  const negative = s.isPunct('-');
  const token = s.peek(negative ? 1 : 0);
  const sign = negative ? -1n : 1n;
  let value: StaticValue | undefined;
  if (token.kind === 'int') value = { kind: 'int', value: sign * token.value };
  else if (token.kind === 'float') value = { kind: 'float', value: negative ? -token.value : token.value };
  else if (token.kind === 'duration') value = { kind: 'duration', nanos: sign * token.nanos };
  if (value === undefined) return undefined;
  if (negative) s.next();
  s.next();
  return value;
}

function parseMetrics(s: TokenStream): MetricsStage {
  const token = s.next();
  const fn = (token as { value: string }).value as MetricsFn;
  s.expectPunct('(', `after ${fn}`);
  const stage: MetricsStage = { fn, quantiles: [], by: [], pos: token.pos };
  if (fn === 'compare') {
    const selection = parseSpansetExpr(s, 0);
    const numbers: number[] = [];
    while (s.isPunct(',')) {
      s.next();
      numbers.push(numberArg(s, 'compare()'));
    }
    if (numbers.length > 3)
      throw new TraceQLParseError(token.pos, 'compare() takes a selection and at most three numbers (topN, start, end)');
    stage.compare = { selection };
    if (numbers[0] !== undefined) stage.compare.topN = numbers[0];
    if (numbers[1] !== undefined) stage.compare.startNano = BigInt(Math.trunc(numbers[1]));
    if (numbers[2] !== undefined) stage.compare.endNano = BigInt(Math.trunc(numbers[2]));
  } else if (fn !== 'rate' && fn !== 'count_over_time') {
    stage.field = parseFieldExpr(s);
    if (fn === 'quantile_over_time') {
      while (s.isPunct(',')) {
        s.next();
        stage.quantiles.push(numberArg(s, 'quantile_over_time()'));
      }
      if (stage.quantiles.length === 0) s.unexpected(`',' and at least one quantile`);
    }
  }
  s.expectPunct(')', `to close ${fn}(`);
  if (s.isIdent('by') && s.isPunct('(', 1)) {
    s.next();
    stage.by = parseFieldList(s, 'by');
  }
  return stage;
}

function numberArg(s: TokenStream, what: string): number {
  const value = parseNumber(s);
  if (value === undefined || (value.kind !== 'int' && value.kind !== 'float')) return s.unexpected(`a number argument of ${what}`);
  return value.kind === 'int' ? Number(value.value) : value.value;
}

function parseMetricsSecondStage(s: TokenStream): MetricsSecondStage | undefined {
  const token = s.peek();
  if (token.kind === 'punct' && COMPARISONS.has(token.value)) {
    s.next();
    return { type: 'filter', op: token.value as ComparisonOp, value: numberArg(s, 'the series filter'), pos: token.pos };
  }
  if (!s.isPunct('|')) return undefined;
  s.next();
  const fn = s.peek();
  if (fn.kind !== 'ident' || (fn.value !== 'topk' && fn.value !== 'bottomk')) return s.unexpected('topk() or bottomk()');
  s.next();
  s.expectPunct('(', `after ${fn.value}`);
  const n = numberArg(s, `${fn.value}()`);
  if (!Number.isInteger(n) || n < 1) throw new TraceQLParseError(fn.pos, `${fn.value}() needs a positive integer`);
  s.expectPunct(')', `to close ${fn.value}(`);
  return { type: fn.value, n, pos: fn.pos };
}

function parseHints(s: TokenStream): QueryHint[] {
  s.next();
  s.expectPunct('(', "after 'with'");
  const hints: QueryHint[] = [];
  for (;;) {
    const name = s.peek();
    if (name.kind !== 'ident') return s.unexpected('a hint name');
    s.next();
    s.expectPunct('=', `after the hint name ${name.value}`);
    hints.push({ name: name.value, value: hintValue(s), pos: name.pos });
    if (!s.isPunct(',')) break;
    s.next();
  }
  s.expectPunct(')', "to close 'with ('");
  return hints;
}

function hintValue(s: TokenStream): StaticValue {
  const token = s.peek();
  if (token.kind === 'string') {
    s.next();
    return { kind: 'string', value: token.value };
  }
  if (token.kind === 'ident') {
    const value = staticKeyword(token.value);
    if (value !== undefined && value.kind === 'bool') {
      s.next();
      return value;
    }
  }
  return parseNumber(s) ?? s.unexpected('a hint value (true, false, a number, a duration or a string)');
}
