import type { AttributeTest, PrefilterOp, SpanPredicate, TraceCondition } from '../../storage/traceql-condition.js';
import type { ComparisonOp, FieldExpr, SpansetExpr, StaticValue } from './ast.js';

/**
 * From a TraceQL spanset expression, a condition on traces that every matching trace meets (see
 * storage/traceql-prefilter.ts). It must never exclude a trace the exact evaluation would keep:
 * whatever cannot be expressed exactly on the stored columns becomes "true" (no constraint), and
 * value tests are loosened where the stored form is wider (attribute text, array values).
 */
export function traceConditionOf(expr: SpansetExpr): TraceCondition {
  switch (expr.type) {
    case 'filter': {
      if (expr.condition === undefined) return TRUE;
      const span = spanPredicateOf(expr.condition);
      return span === undefined ? TRUE : { kind: 'hasSpan', span };
    }
    case 'spansetOp': {
      const left = traceConditionOf(expr.left);
      const right = traceConditionOf(expr.right);
      if (expr.op === '||') return or([left, right]);
      // `!op` keeps right-hand spans without a left-hand relative: only the right side is needed.
      if (expr.op.startsWith('!')) return right;
      return and([left, right]);
    }
    case 'pipeline': {
      // Every stage that is a spanset expression filters the spans of the stage before it, so
      // each one's condition is necessary; by/select/coalesce/aggregates add none.
      const parts: TraceCondition[] = [];
      for (const stage of expr.stages) {
        if (stage.type === 'filter' || stage.type === 'spansetOp' || stage.type === 'pipeline') parts.push(traceConditionOf(stage));
      }
      return and(parts);
    }
  }
}

const TRUE: TraceCondition = { kind: 'true' };

function and(parts: TraceCondition[]): TraceCondition {
  const needed = parts.filter((p) => p.kind !== 'true');
  if (needed.length === 0) return TRUE;
  return needed.length === 1 ? needed[0]! : { kind: 'and', parts: needed };
}

function or(parts: TraceCondition[]): TraceCondition {
  return parts.some((p) => p.kind === 'true') ? TRUE : { kind: 'or', parts };
}

/** A predicate every span satisfying `expr` satisfies, or undefined for "no constraint". */
function spanPredicateOf(expr: FieldExpr): SpanPredicate | undefined {
  if (expr.type !== 'binary') return undefined;
  if (expr.op === '&&') {
    const parts = [spanPredicateOf(expr.left), spanPredicateOf(expr.right)].filter((p): p is SpanPredicate => p !== undefined);
    if (parts.length === 0) return undefined;
    return parts.length === 1 ? parts[0] : { kind: 'and', parts };
  }
  if (expr.op === '||') {
    const left = spanPredicateOf(expr.left);
    const right = spanPredicateOf(expr.right);
    return left === undefined || right === undefined ? undefined : { kind: 'or', parts: [left, right] };
  }
  if (!isComparison(expr.op)) return undefined;
  // field op literal, or literal op field (flipped).
  if (expr.right.type === 'static') return comparison(expr.op, expr.left, expr.right.value);
  if (expr.left.type === 'static' && expr.op !== '=~' && expr.op !== '!~') return comparison(FLIPPED[expr.op], expr.right, expr.left.value);
  return undefined;
}

const FLIPPED: Record<PrefilterOp, PrefilterOp> = { '=': '=', '!=': '!=', '>': '<', '>=': '<=', '<': '>', '<=': '>=' };

function isComparison(op: string): op is ComparisonOp {
  return ['=', '!=', '>', '>=', '<', '<=', '=~', '!~'].includes(op);
}

const STATUS_CODES = { unset: 0n, ok: 1n, error: 2n } as const;
const KIND_CODES = { unspecified: 0n, internal: 1n, server: 2n, client: 3n, producer: 4n, consumer: 5n } as const;

function comparison(op: ComparisonOp, field: FieldExpr, value: StaticValue): SpanPredicate | undefined {
  if (value.kind === 'nil') {
    // `!= nil` on an attribute: it exists. `= nil` holds without any row to test.
    return op === '!=' && field.type === 'attribute' ? attributePredicate(field, { kind: 'exists' }) : undefined;
  }
  if (field.type === 'intrinsic') return intrinsicPredicate(op, field.name, value);
  if (field.type !== 'attribute') return undefined;
  if (op === '=~') return value.kind === 'string' ? attributePredicate(field, { kind: 'regex', pattern: value.value }) : undefined;
  if (op === '!~' || op === '!=') return attributePredicate(field, { kind: 'exists' });
  switch (value.kind) {
    case 'string':
      // Orderings stay in JS: the engine orders bytes, JS orders UTF-16 code units.
      return attributePredicate(field, op === '=' ? { kind: 'text', op, value: value.value } : { kind: 'exists' });
    case 'bool':
      return op === '='
        ? attributePredicate(field, { kind: 'text', op, value: String(value.value) })
        : attributePredicate(field, { kind: 'exists' });
    case 'int':
    case 'float': {
      // Equality on the stored text when the literal's text is the attribute's (ints, and
      // doubles JS prints the same way); orderings on the text read as a number.
      const number = value.kind === 'int' ? Number(value.value) : value.value;
      if (op === '=' && (value.kind === 'int' || Number.isInteger(number))) {
        return attributePredicate(field, { kind: 'text', op, value: value.kind === 'int' ? value.value.toString() : String(number) });
      }
      if (Number.isNaN(number)) return attributePredicate(field, { kind: 'exists' });
      return attributePredicate(field, { kind: 'number', op, value: number });
    }
    default:
      return attributePredicate(field, { kind: 'exists' });
  }
}

function attributePredicate(field: FieldExpr & { type: 'attribute' }, test: AttributeTest): SpanPredicate | undefined {
  switch (field.scope) {
    case 'span':
      return { kind: 'attribute', scope: 'span', key: field.name, test };
    case 'resource':
      if (field.name === 'service.name' && test.kind === 'text' && test.op === '=' && test.value !== 'unknown_service') {
        // The service name is a column of every span row (the sort key's second column).
        return { kind: 'string', column: 'service_name', op: '=', value: test.value };
      }
      return { kind: 'attribute', scope: 'resource', key: field.name, test };
    case 'none':
      return { kind: 'attribute', scope: 'either', key: field.name, test };
    default:
      // event / link / instrumentation attributes live in other columns: no constraint here.
      return undefined;
  }
}

function intrinsicPredicate(op: ComparisonOp, name: string, value: StaticValue): SpanPredicate | undefined {
  const stringColumn = (
    { 'span:name': 'name', 'span:statusMessage': 'status_message', 'span:id': 'span_id', 'trace:id': 'trace_id' } as const
  )[name as 'span:name'];
  if (stringColumn !== undefined && value.kind === 'string') {
    if (op === '=~' || op === '!~') return { kind: 'regex', column: stringColumn, negated: op === '!~', pattern: value.value };
    return op === '=' || op === '!=' ? { kind: 'string', column: stringColumn, op, value: value.value } : undefined;
  }
  if (op === '=~' || op === '!~') return undefined;
  if (name === 'span:status' && value.kind === 'status' && (op === '=' || op === '!=')) {
    return { kind: 'number', column: 'status_code', op, value: STATUS_CODES[value.value] };
  }
  if (name === 'span:kind' && value.kind === 'spanKind' && (op === '=' || op === '!=')) {
    return { kind: 'number', column: 'kind', op, value: KIND_CODES[value.value] };
  }
  if (name === 'span:duration') {
    if (value.kind === 'duration' || value.kind === 'int')
      return { kind: 'number', column: 'duration_ns', op, value: value.kind === 'int' ? value.value : value.nanos };
    if (value.kind === 'float' && Number.isFinite(value.value)) {
      // A fractional bound: compare against the integer nanoseconds on its safe side.
      const bound = op === '>' || op === '>=' ? BigInt(Math.floor(value.value)) : BigInt(Math.ceil(value.value));
      return op === '=' || op === '!='
        ? undefined
        : { kind: 'number', column: 'duration_ns', op: op === '>' ? '>=' : op === '<' ? '<=' : op, value: bound };
    }
  }
  return undefined;
}
