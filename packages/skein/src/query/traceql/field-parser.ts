import {
  INTRINSIC_TYPES,
  type ArithmeticOp,
  type ComparisonOp,
  type FieldExpr,
  type Intrinsic,
  type KindValue,
  type Position,
  type StaticKind,
  type StaticValue,
  type StatusValue,
} from './ast.js';
import { TraceQLParseError, TraceQLUnsupportedError } from './errors.js';
import type { TokenStream } from './token-stream.js';

/**
 * Field expressions: what stands inside `{ … }` and in `by(…)`, `select(…)`, `avg(…)`.
 * Precedence, loosest first: `||`, `&&`, comparisons (non-associative), `+ -`, `* / %`, `^`
 * (right-associative), then unary `!` and `-`. Types are checked where both sides are known
 * statically (literals, intrinsics); attributes are typed only at evaluation.
 */

const UNSCOPED_INTRINSICS: Record<string, Intrinsic> = {
  name: 'span:name',
  status: 'span:status',
  statusMessage: 'span:statusMessage',
  kind: 'span:kind',
  duration: 'span:duration',
  childCount: 'span:childCount',
  rootName: 'trace:rootName',
  rootServiceName: 'trace:rootService',
  rootService: 'trace:rootService',
  traceDuration: 'trace:duration',
};
const UNSUPPORTED_INTRINSICS = new Set(['nestedSetLeft', 'nestedSetRight', 'nestedSetParent', 'parent']);

const STATUS_VALUES = new Set<string>(['error', 'ok', 'unset']);
const KIND_VALUES = new Set<string>(['unspecified', 'internal', 'server', 'client', 'producer', 'consumer']);

const COMPARISON_OPS = new Set<string>(['=', '!=', '>', '>=', '<', '<=', '=~', '!~']);
const ADDITIVE = new Set<string>(['+', '-']);
const MULTIPLICATIVE = new Set<string>(['*', '/', '%']);

export function parseFieldExpr(s: TokenStream): FieldExpr {
  return s.nested(() => parseOr(s));
}

function parseOr(s: TokenStream): FieldExpr {
  let left = parseAnd(s);
  while (s.isPunct('||')) {
    const pos = s.next().pos;
    const right = parseAnd(s);
    left = logical('||', left, right, pos);
  }
  return left;
}

function parseAnd(s: TokenStream): FieldExpr {
  let left = parseComparison(s);
  while (s.isPunct('&&')) {
    const pos = s.next().pos;
    const right = parseComparison(s);
    left = logical('&&', left, right, pos);
  }
  return left;
}

function logical(op: '&&' | '||', left: FieldExpr, right: FieldExpr, pos: Position): FieldExpr {
  for (const side of [left, right]) {
    const type = staticType(side);
    if (type !== undefined && type !== 'bool')
      throw new TraceQLParseError(side.pos, `expected a boolean operand of '${op}', found ${type}`);
  }
  return { type: 'binary', op, left, right, pos };
}

function parseComparison(s: TokenStream): FieldExpr {
  const left = parseAdditive(s);
  const token = s.peek();
  if (token.kind !== 'punct' || !COMPARISON_OPS.has(token.value)) return left;
  s.next();
  const op = token.value as ComparisonOp;
  const right = parseAdditive(s);
  checkComparison(op, left, right, token.pos);
  return { type: 'binary', op, left, right, pos: token.pos };
}

function checkComparison(op: ComparisonOp, left: FieldExpr, right: FieldExpr, pos: Position): void {
  if (op === '=~' || op === '!~') {
    if (right.type !== 'static' || right.value.kind !== 'string') {
      throw new TraceQLParseError(right.pos, `expected a string literal (a regular expression) after '${op}'`);
    }
    const leftType = staticType(left);
    if (leftType !== undefined && leftType !== 'string')
      throw new TraceQLParseError(left.pos, `'${op}' needs a string operand, found ${leftType}`);
    compileRegex(right.value.value, right.pos);
    return;
  }
  const l = staticType(left);
  const r = staticType(right);
  if (l === 'nil' || r === 'nil') {
    if (op !== '=' && op !== '!=') throw new TraceQLParseError(pos, `nil can only be compared with '=' or '!='`);
    return;
  }
  if (l !== undefined && r !== undefined && !comparable(l, r)) throw new TraceQLParseError(pos, `cannot compare ${l} with ${r}`);
}

const NUMERIC = new Set<StaticKind>(['int', 'float', 'duration']);

export function comparable(a: StaticKind, b: StaticKind): boolean {
  return a === b || (NUMERIC.has(a) && NUMERIC.has(b));
}

/** A TraceQL regular expression: RE2 syntax, fully anchored. */
export function compileRegex(pattern: string, pos: Position): RegExp {
  // RE2's leading flag group (`(?i)`, `(?s)`, `(?is)`) becomes JS flags; JS has no inline flags.
  const flags = /^\(\?([is]+)\)/.exec(pattern);
  // RE2's `(?P<name>…)` group is JS's `(?<name>…)`.
  const body = (flags === null ? pattern : pattern.slice(flags[0].length)).replaceAll('(?P<', '(?<');
  try {
    return new RegExp(`^(?:${body})$`, flags === null ? '' : [...new Set(flags[1])].join(''));
  } catch (error) {
    throw new TraceQLParseError(pos, `invalid regular expression ${JSON.stringify(pattern)}: ${(error as Error).message}`);
  }
}

function parseAdditive(s: TokenStream): FieldExpr {
  let left = parseMultiplicative(s);
  for (let t = s.peek(); t.kind === 'punct' && ADDITIVE.has(t.value); t = s.peek()) {
    s.next();
    left = arithmetic(t.value as ArithmeticOp, left, parseMultiplicative(s), t.pos);
  }
  return left;
}

function parseMultiplicative(s: TokenStream): FieldExpr {
  let left = parsePower(s);
  for (let t = s.peek(); t.kind === 'punct' && MULTIPLICATIVE.has(t.value); t = s.peek()) {
    s.next();
    left = arithmetic(t.value as ArithmeticOp, left, parsePower(s), t.pos);
  }
  return left;
}

function parsePower(s: TokenStream): FieldExpr {
  const base = parseUnary(s);
  if (!s.isPunct('^')) return base;
  const pos = s.next().pos;
  return arithmetic(
    '^',
    base,
    s.nested(() => parsePower(s)),
    pos,
  );
}

function arithmetic(op: ArithmeticOp, left: FieldExpr, right: FieldExpr, pos: Position): FieldExpr {
  for (const side of [left, right]) {
    const type = staticType(side);
    if (type !== undefined && !NUMERIC.has(type))
      throw new TraceQLParseError(side.pos, `expected a number or duration operand of '${op}', found ${type}`);
  }
  return { type: 'binary', op, left, right, pos };
}

function parseUnary(s: TokenStream): FieldExpr {
  const token = s.peek();
  if (token.kind === 'punct' && (token.value === '!' || token.value === '-')) {
    s.next();
    const operand = s.nested(() => parseUnary(s));
    const type = staticType(operand);
    if (token.value === '!' && type !== undefined && type !== 'bool')
      throw new TraceQLParseError(operand.pos, `expected a boolean after '!', found ${type}`);
    if (token.value === '-' && type !== undefined && !NUMERIC.has(type))
      throw new TraceQLParseError(operand.pos, `expected a number or duration after '-', found ${type}`);
    // Fold negative literals, so `-5s` and `-1` are plain statics (and minInt fits).
    if (token.value === '-' && operand.type === 'static') return { type: 'static', value: negate(operand.value), pos: token.pos };
    return { type: 'unary', op: token.value, operand, pos: token.pos };
  }
  return parsePrimary(s);
}

function negate(value: StaticValue): StaticValue {
  if (value.kind === 'int') return { kind: 'int', value: -value.value };
  if (value.kind === 'float') return { kind: 'float', value: -value.value };
  if (value.kind === 'duration') return { kind: 'duration', nanos: -value.nanos };
  return value;
}

function parsePrimary(s: TokenStream): FieldExpr {
  const token = s.peek();
  switch (token.kind) {
    case 'punct':
      if (token.value === '(') {
        s.next();
        const inner = parseFieldExpr(s);
        s.expectPunct(')', 'to close the parenthesis');
        return inner;
      }
      break;
    case 'attribute':
      s.next();
      if (token.scope === 'parent') throw new TraceQLUnsupportedError('the parent. attribute scope', token.pos);
      return { type: 'attribute', scope: token.scope as 'span', name: token.value, pos: token.pos };
    case 'scopedIntrinsic': {
      s.next();
      const name = `${token.scope}:${token.value}`;
      if (!(name in INTRINSIC_TYPES)) {
        if (UNSUPPORTED_INTRINSICS.has(token.value)) throw new TraceQLUnsupportedError(`the intrinsic ${name}`, token.pos);
        throw new TraceQLParseError(token.pos, `unknown intrinsic ${name}`);
      }
      return { type: 'intrinsic', name: name as Intrinsic, pos: token.pos };
    }
    case 'ident': {
      const value = staticKeyword(token.value);
      if (value !== undefined) {
        s.next();
        return { type: 'static', value, pos: token.pos };
      }
      const intrinsic = UNSCOPED_INTRINSICS[token.value];
      if (intrinsic !== undefined) {
        s.next();
        return { type: 'intrinsic', name: intrinsic, pos: token.pos };
      }
      if (UNSUPPORTED_INTRINSICS.has(token.value)) throw new TraceQLUnsupportedError(`the intrinsic ${token.value}`, token.pos);
      break;
    }
    case 'string':
      s.next();
      return { type: 'static', value: { kind: 'string', value: token.value }, pos: token.pos };
    case 'int':
      s.next();
      return { type: 'static', value: { kind: 'int', value: token.value }, pos: token.pos };
    case 'float':
      s.next();
      return { type: 'static', value: { kind: 'float', value: token.value }, pos: token.pos };
    case 'duration':
      s.next();
      return { type: 'static', value: { kind: 'duration', nanos: token.nanos }, pos: token.pos };
    default:
      break;
  }
  return s.unexpected('an attribute, intrinsic or value');
}

/** `true`, `nil`, `error`, `server`, `minInt` …: keywords that are literals. */
export function staticKeyword(word: string): StaticValue | undefined {
  if (word === 'true' || word === 'false') return { kind: 'bool', value: word === 'true' };
  if (word === 'nil') return { kind: 'nil' };
  if (word === 'minInt') return { kind: 'int', value: -9223372036854775808n };
  if (word === 'maxInt') return { kind: 'int', value: 9223372036854775807n };
  if (STATUS_VALUES.has(word)) return { kind: 'status', value: word as StatusValue };
  if (KIND_VALUES.has(word)) return { kind: 'spanKind', value: word as KindValue };
  return undefined;
}

/** The type an expression has whatever the span, or undefined when it depends on attribute values. */
export function staticType(expr: FieldExpr): StaticKind | undefined {
  switch (expr.type) {
    case 'static':
      return expr.value.kind;
    case 'intrinsic':
      return INTRINSIC_TYPES[expr.name];
    case 'attribute':
      return undefined;
    case 'unary':
      return expr.op === '!' ? 'bool' : staticType(expr.operand);
    case 'binary':
      if (COMPARISON_OPS.has(expr.op) || expr.op === '&&' || expr.op === '||') return 'bool';
      return arithmeticType(staticType(expr.left), staticType(expr.right));
  }
}

function arithmeticType(a: StaticKind | undefined, b: StaticKind | undefined): StaticKind | undefined {
  if (a === undefined || b === undefined) return undefined;
  if (a === 'duration' || b === 'duration') return 'duration';
  return a === 'float' || b === 'float' ? 'float' : 'int';
}
