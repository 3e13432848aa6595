import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isTraceQLError } from '../../src/query/traceql/errors.js';
import { evaluateSpans } from '../../src/query/traceql/evaluator.js';
import { parseTraceQL } from '../../src/query/traceql/parser.js';
import { TraceView } from '../../src/query/traceql/trace-view.js';
import { CONFORMANCE_CASES } from './conformance-cases.js';
import { datasetSpans, TRACE_IDS } from './traceql-dataset.js';

/**
 * Parser fuzzing, seeded and bounded in time: random token soups and mutations of every
 * conformance query. Whatever the input, parseTraceQL returns a query or throws a TraceQL error
 * whose position lies inside the text; a query that parses also evaluates without throwing.
 */
const SEED = Number(process.env['TRACEQL_FUZZ_SEED'] ?? 20261204);
const TIME_BUDGET_MILLIS = 4000;

function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    // mulberry32
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const VOCABULARY = [
  '{',
  '}',
  '(',
  ')',
  '|',
  '&&',
  '||',
  '!',
  '=',
  '!=',
  '>',
  '>=',
  '<',
  '<=',
  '=~',
  '!~',
  '>>',
  '<<',
  '~',
  '!>',
  '!<',
  '!>>',
  '&>',
  '&>>',
  '&~',
  '+',
  '-',
  '*',
  '/',
  '%',
  '^',
  ',',
  '.',
  '"',
  '`',
  '\\',
  ':',
  'span.',
  'resource.',
  '.http.status_code',
  'span.foo',
  'event.x',
  'link.y',
  'instrumentation.z',
  'span:duration',
  'trace:id',
  'event:name',
  'name',
  'status',
  'kind',
  'duration',
  'nil',
  'true',
  'error',
  'server',
  'count()',
  'avg(duration)',
  'sum(',
  'by(',
  'select(',
  'coalesce()',
  'rate()',
  'quantile_over_time(duration, .9)',
  'topk(',
  'with',
  '(most_recent=true)',
  '1',
  '-1',
  '1.5',
  '.99',
  '100ms',
  '1h30m',
  '"a"',
  '"(?i)x.*"',
  '"["',
  'minInt',
  '9223372036854775808',
  ' ',
  '\n',
  '\t',
  'é',
  '💥',
  '\u0000',
];

const views = [...Object.values(TRACE_IDS)].map(
  (id) =>
    new TraceView(
      id,
      datasetSpans().filter((s) => s.traceId === id),
    ),
);

function check(text: string): 'parsed' | 'error' {
  let query;
  try {
    query = parseTraceQL(text);
  } catch (error) {
    if (!isTraceQLError(error)) throw new Error(`non-TraceQL error for ${JSON.stringify(text)}: ${String(error)}`, { cause: error });
    const { line, column, offset } = error.position;
    assert.ok(line >= 1 && column >= 1 && offset >= 0 && offset <= text.length, `position out of range for ${JSON.stringify(text)}`);
    return 'error';
  }
  for (const view of views) evaluateSpans(query.spans, view);
  return 'parsed';
}

test('parser fuzzing: random and mutated queries never crash, every error has a position', () => {
  const next = random(SEED);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const seeds = CONFORMANCE_CASES.map((c) => c.query);
  const deadline = Date.now() + TIME_BUDGET_MILLIS;
  const counts = { parsed: 0, error: 0 };
  for (let i = 0; i < 200_000 && Date.now() < deadline; i++) {
    let text: string;
    if (i % 2 === 0) {
      text = Array.from({ length: 1 + Math.floor(next() * 12) }, () => pick(VOCABULARY)).join(next() < 0.5 ? ' ' : '');
    } else {
      text = pick(seeds);
      for (let m = 0, edits = 1 + Math.floor(next() * 3); m < edits; m++) {
        const at = Math.floor(next() * (text.length + 1));
        const op = next();
        if (op < 0.33) text = text.slice(0, at) + text.slice(at + 1 + Math.floor(next() * 3));
        else if (op < 0.66) text = text.slice(0, at) + pick(VOCABULARY) + text.slice(at);
        else text = text.slice(0, at);
      }
    }
    counts[check(text)]++;
  }
  // Both outcomes must have been exercised for the run to mean anything.
  assert.ok(counts.parsed > 100 && counts.error > 100, JSON.stringify(counts));
  if (process.env['TRACEQL_FUZZ_REPORT'] === '1') console.log(JSON.stringify(counts));
});
