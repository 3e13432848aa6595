import { HOSTILE_STRINGS } from './trace-fixtures.js';

/**
 * Values bound with bindSql and selected back from a real engine. 64-bit integers and floats are
 * selected as text, so that no JSON number rounding hides (or fakes) a binding error.
 */
export interface BindingCase {
  sql: string;
  value: unknown;
  expected: unknown;
}

const strings: BindingCase[] = [...HOSTILE_STRINGS, '\\', "\\'", "'", '\\x41', '\u00ff\u0100\uffff', 'a\u2028b'].map((s) => ({
  sql: 'SELECT {v:String} AS v',
  value: s,
  expected: s,
}));

const integers: BindingCase[] = [
  ['UInt8', 0n],
  ['UInt8', 255],
  ['UInt16', 65535],
  ['UInt32', 4294967295],
  ['UInt64', 0n],
  ['UInt64', 18446744073709551615n],
  ['UInt64', 9007199254740993n],
  ['Int64', -9223372036854775808n],
  ['Int64', 9223372036854775807n],
  ['Int64', -1],
  ['Int64', 0],
].map(([type, value]) => ({ sql: `SELECT toString({v:${String(type)}}) AS v`, value, expected: String(value) }));

const floats: BindingCase[] = [0.1, -2.5, 1e21, 1.7976931348623157e308, 2.2250738585072014e-308, 123456.789, -0].map((value) => ({
  // Exact bits: the engine's float text formatting differs between versions, the bits do not.
  sql: 'SELECT toString(reinterpretAsUInt64(reinterpretAsString({v:Float64}))) AS v',
  value,
  expected: floatBits(value),
}));

const arrays: BindingCase[] = [
  { sql: 'SELECT {v:Array(String)} AS v', value: ["a'b", 'c\\d', 'e\nf', ''], expected: ["a'b", 'c\\d', 'e\nf', ''] },
  { sql: 'SELECT toUInt8(length({v:Array(String)})) AS v', value: [], expected: 0 },
  {
    sql: 'SELECT arrayMap(x -> toString(x), {v:Array(UInt64)}) AS v',
    value: [1n, 18446744073709551615n],
    expected: ['1', '18446744073709551615'],
  },
  { sql: 'SELECT toUInt8(length({v:Array(UInt64)})) AS v', value: [], expected: 0 },
  // Sets (the right side of IN): one value, several, hostile strings.
  { sql: "SELECT toUInt8('a' IN {v:Set(String)}) AS v", value: ['a'], expected: 1 },
  { sql: "SELECT toUInt8('c' IN {v:Set(String)}) AS v", value: ['a', 'b'], expected: 0 },
  { sql: "SELECT toUInt8('e\\nf' IN {v:Set(String)}) AS v", value: ["a'b", 'e\nf'], expected: 1 },
];

function floatBits(value: number): string {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, value, true);
  return view.getBigUint64(0, true).toString();
}

export const BINDING_CASES: readonly BindingCase[] = [...strings, ...integers, ...floats, ...arrays];
