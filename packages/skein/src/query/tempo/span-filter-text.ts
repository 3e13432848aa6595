import type { ComparisonOp, ConditionValue, SpanCondition, SpanField } from '../../storage/span-query-types.js';
import { parseGoDurationNanos } from '../../model/go-duration.js';

/**
 * The matchers of a possibly half-typed spanset filter (`{ a = 1 && resource.cluster = }`), as
 * storage conditions, for the `q` of tag and tag-value autocompletion: Tempo documents that it
 * takes the valid matchers out of such a query and ignores the rest, never failing, so this is
 * deliberately not the TraceQL parser (query/traceql/), which rejects what it cannot parse.
 */

const OPS: readonly ComparisonOp[] = ['=~', '!~', '!=', '>=', '<=', '=', '>', '<'];
const STATUS: Record<string, number> = { unset: 0, ok: 1, error: 2 };
const KINDS: Record<string, number> = { unspecified: 0, internal: 1, server: 2, client: 3, producer: 4, consumer: 5 };
const INTRINSICS: Record<string, SpanField> = {
  name: { kind: 'intrinsic', name: 'name' },
  'span:name': { kind: 'intrinsic', name: 'name' },
  status: { kind: 'intrinsic', name: 'status' },
  'span:status': { kind: 'intrinsic', name: 'status' },
  kind: { kind: 'intrinsic', name: 'kind' },
  'span:kind': { kind: 'intrinsic', name: 'kind' },
  duration: { kind: 'intrinsic', name: 'duration' },
  'span:duration': { kind: 'intrinsic', name: 'duration' },
  statusMessage: { kind: 'intrinsic', name: 'statusMessage' },
  'span:statusMessage': { kind: 'intrinsic', name: 'statusMessage' },
};

/** A TraceQL identifier as a storage field, or undefined for one storage cannot group or filter on. */
export function fieldOf(identifier: string): SpanField | undefined {
  const intrinsic = INTRINSICS[identifier];
  if (intrinsic !== undefined) return intrinsic;
  const match = /^(span|resource|)\.(?:"((?:[^"\\]|\\.)*)"|(.+))$/.exec(identifier);
  if (match === null) return undefined;
  const key = match[2] !== undefined ? match[2].replace(/\\(.)/g, '$1') : match[3]!;
  if (key === '') return undefined;
  const scope = match[1] === '' ? 'any' : (match[1] as 'span' | 'resource');
  return { kind: 'attribute', scope, key };
}

/** A value literal, typed for the field it is compared with; undefined when it is not one. */
function valueOf(text: string, field: SpanField): ConditionValue | undefined {
  if (text.startsWith('"')) {
    try {
      return { type: 'string', value: JSON.parse(text) as string };
    } catch {
      return undefined;
    }
  }
  if (field.kind === 'intrinsic' && field.name === 'status')
    return STATUS[text] === undefined ? undefined : { type: 'status', code: STATUS[text] };
  if (field.kind === 'intrinsic' && field.name === 'kind')
    return KINDS[text] === undefined ? undefined : { type: 'kind', kind: KINDS[text] };
  if (text === 'true' || text === 'false') return { type: 'bool', value: text === 'true' };
  if (/^-?\d+$/.test(text)) return { type: 'int', value: BigInt(text) };
  if (/^-?(\d+\.\d*|\.\d+|\d+)(e[+-]?\d+)?$/i.test(text)) return { type: 'float', value: Number(text) };
  const nanos = parseGoDurationNanos(text);
  return nanos === undefined ? undefined : { type: 'duration', nanos };
}

const IDENT = String.raw`(?:(?:span|resource)?\.(?:"(?:[^"\\]|\\.)*"|[^\s=!<>~&|(){}"]+)|span:[A-Za-z]+|[A-Za-z][A-Za-z:]*)`;
const VALUE = String.raw`(?:"(?:[^"\\]|\\.)*"|[^\s&|(){}]+)`;
const CONDITION = new RegExp(String.raw`^\s*(${IDENT})\s*(=~|!~|!=|>=|<=|=|>|<)\s*(${VALUE})\s*$`);

function conditionOf(text: string): SpanCondition | { problem: string } {
  const match = CONDITION.exec(text);
  if (match === null) return { problem: `expected <attribute> <operator> <value>, got ${JSON.stringify(text.trim())}` };
  const field = fieldOf(match[1]!);
  if (field === undefined)
    return { problem: `${match[1]} is not supported here (span and resource attributes, name, status, kind, duration, statusMessage are)` };
  const op = match[2] as ComparisonOp;
  if (!OPS.includes(op)) return { problem: `unknown operator ${op}` };
  const value = valueOf(match[3]!, field);
  if (value === undefined) return { problem: `${match[3]} is not a value ${match[1]} can be compared with` };
  return { field, op, value };
}

/** Splits the body of `{ … }` at top-level `&&` / `||` (outside strings). */
function splitBody(body: string): { parts: string[]; operators: Set<string> } {
  const parts: string[] = [];
  const operators = new Set<string>();
  let start = 0;
  let inString = false;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if ((c === '&' || c === '|') && body[i + 1] === c) {
      parts.push(body.slice(start, i));
      operators.add(c + c);
      start = i + 2;
      i++;
    }
  }
  parts.push(body.slice(start));
  return { parts, operators };
}

/** The body between the first `{` and its `}` (or the end, for a half-typed query). */
function bodyOf(query: string): { body: string; rest: string } | undefined {
  const open = query.indexOf('{');
  if (open < 0) return undefined;
  let inString = false;
  for (let i = open + 1; i < query.length; i++) {
    const c = query[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '}') return { body: query.slice(open + 1, i), rest: query.slice(i + 1) };
  }
  return { body: query.slice(open + 1), rest: '' };
}

/** Lenient: the usable matchers of a possibly unfinished `{ … }`; every span when there are none. */
export function extractMatchers(query: string | undefined): { combine: 'all' | 'any'; conditions: SpanCondition[] } {
  const all = { combine: 'all' as const, conditions: [] };
  if (query === undefined) return all;
  const found = bodyOf(query);
  if (found === undefined) return all;
  const { parts, operators } = splitBody(found.body);
  const conditions = parts.map(conditionOf).filter((c): c is SpanCondition => !('problem' in c));
  // Mixed && and || need precedence the matchers alone cannot keep: fall back to no filter.
  if (operators.size > 1) return all;
  return { combine: operators.has('||') ? 'any' : 'all', conditions };
}
