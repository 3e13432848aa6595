import { StorageError } from './trace-store.js';

/**
 * Client-side binding of `{name:Type}` placeholders into ClickHouse literals.
 *
 * Why client-side: ClickHouse 18.16 (Debian's server) has no server-side query parameters, and
 * both engines must run the very same reviewed SQL text. Every value is validated against its
 * declared type and rendered as a literal wrapped in an explicit conversion, so the SQL never
 * depends on how a bare literal would have been typed, and no value can leave its literal.
 */

export type SqlParamType =
  'String' | 'UInt8' | 'UInt16' | 'UInt32' | 'UInt64' | 'Int64' | 'Float64' | 'Array(String)' | 'Array(UInt64)' | 'Set(String)';

export type SqlParams = Readonly<Record<string, unknown>>;

const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]*):\s*([A-Za-z0-9_() ]+?)\s*\}/g;

const INTEGER_RANGES: Record<string, readonly [bigint, bigint]> = {
  UInt8: [0n, 255n],
  UInt16: [0n, 65535n],
  UInt32: [0n, 4294967295n],
  UInt64: [0n, 18446744073709551615n],
  Int64: [-9223372036854775808n, 9223372036854775807n],
};

function bindError(message: string): StorageError {
  return new StorageError('rejected', `SQL binding: ${message}`);
}

/** Replaces every `{name:Type}` of `sql`; throws on a missing, unused or ill-typed parameter. */
export function bindSql(sql: string, params: SqlParams): string {
  const used = new Set<string>();
  const out = sql.replace(PLACEHOLDER, (_match, name: string, type: string) => {
    if (!Object.prototype.hasOwnProperty.call(params, name)) throw bindError(`parameter {${name}:${type}} has no value`);
    used.add(name);
    return renderLiteral(params[name], type.replace(/\s+/g, ''), name);
  });
  for (const name of Object.keys(params)) {
    // An unused parameter is almost always a typo in the SQL or in the caller: fail loudly.
    if (!used.has(name)) throw bindError(`parameter "${name}" is not used by the statement`);
  }
  return out;
}

function renderLiteral(value: unknown, type: string, name: string): string {
  switch (type) {
    case 'String':
      if (typeof value !== 'string') throw bindError(`{${name}:String} expects a string, got ${typeof value}`);
      return quoteString(value);
    case 'UInt8':
    case 'UInt16':
    case 'UInt32':
    case 'UInt64':
    case 'Int64': {
      // Bare non-negative literals, so a placeholder also works where only a number may stand
      // (LIMIT, OFFSET); the engine types them as the smallest fitting unsigned type.
      const text = integerText(value, type, name);
      return text.startsWith("'") ? `to${type}(${text})` : text;
    }
    case 'Float64':
      return floatLiteral(value, name);
    case 'Array(String)':
      return arrayLiteral(value, name, 'emptyArrayString()', (item) => {
        if (typeof item !== 'string') throw bindError(`{${name}:Array(String)} expects strings, got ${typeof item}`);
        return quoteString(item);
      });
    case 'Array(UInt64)':
      return arrayLiteral(value, name, 'emptyArrayUInt64()', (item) => `toUInt64(${integerText(item, 'UInt64', name)})`);
    case 'Set(String)':
      return setLiteral(value, name, type, (item) => {
        if (typeof item !== 'string') throw bindError(`{${name}:Set(String)} expects strings, got ${typeof item}`);
        return quoteString(item);
      });
    default:
      throw bindError(`{${name}:${type}} has an unsupported type`);
  }
}

/** Decimal text of an integer within the type's range; numbers must be safe integers. */
function integerText(value: unknown, type: string, name: string): string {
  let n: bigint;
  if (typeof value === 'bigint') n = value;
  else if (typeof value === 'number' && Number.isSafeInteger(value)) n = BigInt(value);
  else throw bindError(`{${name}:${type}} expects a bigint or a safe integer, got ${describe(value)}`);
  const range = INTEGER_RANGES[type];
  if (range === undefined || n < range[0] || n > range[1]) throw bindError(`{${name}:${type}} value ${n} is out of range`);
  // Int64's minimum has no positive counterpart: a literal `-9223372036854775808` is parsed as
  // unary minus on a UInt64, so negative values go through the string parser instead.
  return n < 0n ? `'${n}'` : n.toString();
}

function floatLiteral(value: unknown, name: string): string {
  if (typeof value !== 'number') throw bindError(`{${name}:Float64} expects a number, got ${describe(value)}`);
  if (Number.isNaN(value)) return 'toFloat64(nan)';
  if (value === Infinity) return 'toFloat64(inf)';
  if (value === -Infinity) return 'toFloat64(-inf)';
  // Through the string parser: older SQL parsers reject some valid literals (denormals like 5e-324).
  return `toFloat64('${Object.is(value, -0) ? '-0' : String(value)}')`;
}

function arrayLiteral(value: unknown, name: string, empty: string, item: (v: unknown) => string): string {
  if (!Array.isArray(value)) throw bindError(`{${name}} expects an array, got ${describe(value)}`);
  // `[]` is Array(Nothing): functions like has() need a typed empty array.
  if (value.length === 0) return empty;
  return `[${value.map(item).join(', ')}]`;
}

/**
 * The right side of `IN` as literal values, `(a, b)`: unlike a subquery (`IN (SELECT arrayJoin(…))`)
 * the engine plans no subquery and builds no set from one (measured in BENCHMARKS.md, issue 19
 * item 3), and unlike an array literal 18.16 accepts it. No values has no literal form: an error.
 */
function setLiteral(value: unknown, name: string, type: string, item: (v: unknown) => string): string {
  if (!Array.isArray(value)) throw bindError(`{${name}} expects an array, got ${describe(value)}`);
  if (value.length === 0) throw bindError(`{${name}:${type}} needs at least one value`);
  return `(${value.map(item).join(', ')})`;
}

/**
 * A ClickHouse string literal. Backslash and quote are escaped, and so is every control character,
 * so that the statement stays one line of printable text (logs, HTTP) and no byte is left for the
 * parser to interpret. Non-ASCII text stays as UTF-8: string literals are byte strings.
 */
export function quoteString(value: string): string {
  let out = "'";
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    let escape: string | undefined;
    if (c === 0x5c) escape = '\\\\';
    else if (c === 0x27) escape = "\\'";
    else if (c < 0x20 || c === 0x7f) escape = CONTROL_ESCAPES[c] ?? `\\x${c.toString(16).padStart(2, '0')}`;
    if (escape !== undefined) {
      out += value.slice(start, i) + escape;
      start = i + 1;
    }
  }
  return out + value.slice(start) + "'";
}

const CONTROL_ESCAPES: Record<number, string> = { 0: '\\0', 8: '\\b', 9: '\\t', 10: '\\n', 12: '\\f', 13: '\\r' };

function describe(value: unknown): string {
  if (typeof value === 'number') return `number ${value}`;
  if (value === null) return 'null';
  return typeof value;
}

/** A database or table name from configuration: validated, then used as a quoted identifier. */
export function quoteIdentifier(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(name)) {
    throw new StorageError('rejected', `invalid database/table name ${JSON.stringify(name)}: use letters, digits and _`);
  }
  return `\`${name}\``;
}
