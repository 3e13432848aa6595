import type { AnyValue } from '../../model/span.js';
import type { ArithmeticOp, ComparisonOp, KindValue, StaticValue, StatusValue } from './ast.js';

/**
 * Runtime values of TraceQL evaluation: the literal kinds, plus arrays (an attribute holding an
 * OTLP array of scalars). A missing attribute is `nil`.
 */
export type Value = StaticValue | { kind: 'array'; items: StaticValue[] };

export const NIL: Value = { kind: 'nil' };

/** An OTLP attribute value as TraceQL sees it; bytes and key/value lists are not comparable: nil. */
export function valueOfAny(value: AnyValue): Value {
  switch (typeof value) {
    case 'string':
      return { kind: 'string', value };
    case 'bigint':
      return { kind: 'int', value };
    case 'number':
      return { kind: 'float', value };
    case 'boolean':
      return { kind: 'bool', value };
    default:
      break;
  }
  if (Array.isArray(value)) {
    const items: StaticValue[] = [];
    for (const item of value) {
      const v = valueOfAny(item);
      if (v.kind !== 'array' && v.kind !== 'nil') items.push(v);
    }
    return { kind: 'array', items };
  }
  return NIL;
}

function isNumeric(v: Value): v is Extract<Value, { kind: 'int' | 'float' | 'duration' }> {
  return v.kind === 'int' || v.kind === 'float' || v.kind === 'duration';
}

export function numberOf(v: Value): number | undefined {
  if (v.kind === 'int') return Number(v.value);
  if (v.kind === 'float') return v.value;
  if (v.kind === 'duration') return Number(v.nanos);
  return undefined;
}

function exact(v: Value): bigint | undefined {
  if (v.kind === 'int') return v.value;
  if (v.kind === 'duration') return v.nanos;
  return undefined;
}

/**
 * `left op right`. Missing values match only `= nil`; values of different types never match
 * (ints, floats and durations compare as numbers); arrays match `=`, `=~` and the orderings when
 * any element does, `!=` and `!~` when no element does.
 */
export function compare(op: ComparisonOp, left: Value, right: Value, regex?: RegExp): boolean {
  // `x = nil` / `x != nil` test presence; a missing value on the left matches nothing else.
  if (right.kind === 'nil') return op === '=' ? left.kind === 'nil' : op === '!=' && left.kind !== 'nil';
  if (left.kind === 'nil') return false;
  if (left.kind === 'array') {
    if (op === '!=' || op === '!~') return !left.items.some((item) => compare(op === '!=' ? '=' : '=~', item, right, regex));
    return left.items.some((item) => compare(op, item, right, regex));
  }
  if (right.kind === 'array') return false;
  if (op === '=~' || op === '!~') {
    if (left.kind !== 'string' || regex === undefined) return false;
    return regex.test(left.value) === (op === '=~');
  }
  const order = ordering(left, right);
  if (order === undefined) return false;
  switch (op) {
    case '=':
      return order === 0;
    case '!=':
      return order !== 0;
    case '>':
      return order > 0;
    case '>=':
      return order >= 0;
    case '<':
      return order < 0;
    case '<=':
      return order <= 0;
  }
}

/** −1/0/1, or undefined when the two are not comparable (different types, NaN). */
function ordering(a: Value, b: Value): number | undefined {
  if (isNumeric(a) && isNumeric(b)) {
    const x = exact(a);
    const y = exact(b);
    if (x !== undefined && y !== undefined) return x === y ? 0 : x < y ? -1 : 1;
    const m = numberOf(a)!;
    const n = numberOf(b)!;
    if (Number.isNaN(m) || Number.isNaN(n)) return undefined;
    return m === n ? 0 : m < n ? -1 : 1;
  }
  if (a.kind !== b.kind) return undefined;
  switch (a.kind) {
    case 'string': {
      const s = (b as { value: string }).value;
      return a.value === s ? 0 : a.value < s ? -1 : 1;
    }
    case 'bool':
    case 'status':
    case 'spanKind': {
      const other = (b as { value: boolean | StatusValue | KindValue }).value;
      // Only equality means something for these; orderings compare as unequal.
      return a.value === other ? 0 : Number.NaN;
    }
    default:
      return undefined;
  }
}

/**
 * Arithmetic: ints stay exact 64-bit (wrapping like Go's int64), a float operand or `/` gives a
 * float, a duration operand keeps the result a duration (except duration / duration); anything
 * that is not a number gives nil.
 */
export function arithmetic(op: ArithmeticOp, left: Value, right: Value): Value {
  if (!isNumeric(left) || !isNumeric(right)) return NIL;
  const isDuration = left.kind === 'duration' || right.kind === 'duration';
  const x = exact(left);
  const y = exact(right);
  if (x !== undefined && y !== undefined && op !== '/' && !(op === '^' && y < 0n)) {
    if (op === '%' && y === 0n) return NIL;
    let r: bigint;
    if (op === '+') r = x + y;
    else if (op === '-') r = x - y;
    else if (op === '*') r = x * y;
    else if (op === '%') r = x % y;
    else r = y > 64n ? (x === 0n || x === 1n ? x : x === -1n ? (y % 2n === 0n ? 1n : -1n) : 0n) : x ** y;
    r = BigInt.asIntN(64, r);
    return isDuration ? { kind: 'duration', nanos: r } : { kind: 'int', value: r };
  }
  const m = numberOf(left)!;
  const n = numberOf(right)!;
  let r: number;
  if (op === '+') r = m + n;
  else if (op === '-') r = m - n;
  else if (op === '*') r = m * n;
  else if (op === '/') r = m / n;
  else if (op === '%') r = m % n;
  else r = m ** n;
  if (isDuration && !(op === '/' && left.kind === 'duration' && right.kind === 'duration') && Number.isFinite(r)) {
    return { kind: 'duration', nanos: BigInt(Math.trunc(r)) };
  }
  return { kind: 'float', value: r };
}

/** The value as an OTLP attribute value (for results): enums as their names, durations as ns. */
export function anyOfValue(v: Value): AnyValue {
  switch (v.kind) {
    case 'string':
    case 'status':
    case 'spanKind':
      return v.value;
    case 'int':
      return v.value;
    case 'float':
      return v.value;
    case 'bool':
      return v.value;
    case 'duration':
      return v.nanos;
    case 'nil':
      return null;
    case 'array':
      return v.items.map(anyOfValue);
  }
}

/** A stable text form, used to group spans by value (`by(…)`). */
export function valueKey(v: Value): string {
  switch (v.kind) {
    case 'nil':
      return 'nil';
    case 'array':
      return `array:[${v.items.map(valueKey).join(',')}]`;
    case 'duration':
      return `duration:${v.nanos}`;
    case 'float':
      return `float:${Object.is(v.value, -0) ? '-0' : String(v.value)}`;
    default:
      return `${v.kind}:${String(v.value)}`;
  }
}
