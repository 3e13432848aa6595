import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TraceQLParseError, TraceQLUnsupportedError } from '../../src/query/traceql/errors.js';
import { parseTraceQL } from '../../src/query/traceql/parser.js';

test('parser: structure of a filter, a structural operator and a pipeline', () => {
  const q = parseTraceQL('{ span.a = 1 } && { .b != nil } >> { kind = server } | by(resource.service.name) | count() > 1');
  assert.equal(q.spans.type, 'pipeline');
  if (q.spans.type !== 'pipeline') return;
  const [first, by, count] = q.spans.stages;
  // Structural operators bind tighter than && (which binds tighter than ||).
  assert.equal(first?.type === 'spansetOp' && first.op, '&&');
  assert.equal(first?.type === 'spansetOp' && first.right.type === 'spansetOp' && first.right.op, '>>');
  assert.equal(by?.type, 'by');
  assert.equal(count?.type === 'scalarFilter' && count.op, '>');
});

test('parser: literals keep exact values', () => {
  const literal = (text: string) => {
    const q = parseTraceQL(`{ span.x = ${text} }`);
    if (q.spans.type !== 'filter' || q.spans.condition?.type !== 'binary' || q.spans.condition.right.type !== 'static')
      throw new Error('shape');
    return q.spans.condition.right.value;
  };
  assert.deepEqual(literal('1h30m'), { kind: 'duration', nanos: 5_400_000_000_000n });
  assert.deepEqual(literal('1.5s'), { kind: 'duration', nanos: 1_500_000_000n });
  assert.deepEqual(literal('250us'), { kind: 'duration', nanos: 250_000n });
  assert.deepEqual(literal('-5s'), { kind: 'duration', nanos: -5_000_000_000n });
  assert.deepEqual(literal('9223372036854775807'), { kind: 'int', value: 9223372036854775807n });
  assert.deepEqual(literal('minInt'), { kind: 'int', value: -9223372036854775808n });
  assert.deepEqual(literal('-1.25e3'), { kind: 'float', value: -1250 });
  assert.deepEqual(literal('"a\\"b\\\\c\\n\\u00e9"'), { kind: 'string', value: 'a"b\\c\né' });
  assert.deepEqual(literal('`raw\\n`'), { kind: 'string', value: 'raw\\n' });
  assert.deepEqual(literal('unset'), { kind: 'status', value: 'unset' });
  assert.deepEqual(literal('producer'), { kind: 'spanKind', value: 'producer' });
});

test('parser: quoted attribute names and scopes', () => {
  const attr = (text: string) => {
    const q = parseTraceQL(`{ ${text} = "v" }`);
    if (q.spans.type !== 'filter' || q.spans.condition?.type !== 'binary') throw new Error('shape');
    return q.spans.condition.left;
  };
  assert.deepEqual(attr('span."attribute name with space"'), {
    type: 'attribute',
    scope: 'span',
    name: 'attribute name with space',
    pos: { line: 1, column: 3, offset: 2 },
  });
  assert.equal((attr('span.attribute."with \\"quote\\""') as { name: string }).name, 'attribute.with "quote"');
  assert.equal((attr('instrumentation.language') as { scope: string }).scope, 'instrumentation');
  assert.equal((attr('.http.x-forwarded-for') as { name: string }).name, 'http.x-forwarded-for');
  assert.equal((attr('event:name') as { name: string }).name, 'event:name');
  assert.equal((attr('rootServiceName') as { name: string }).name, 'trace:rootService');
});

test('parser: documented metrics queries and hints parse into the metrics stage', () => {
  const cases: Array<[string, string]> = [
    ['{ span:duration < 5ms } | count_over_time() by(resource.service.name) | topk(10)', 'count_over_time'],
    ['{ resource.service.name = "foo" } | rate() by (instrumentation:name)', 'rate'],
    ['{ span:name = "GET /:endpoint" } | quantile_over_time(duration, .99) by (span.http.target)', 'quantile_over_time'],
    ['{ } | histogram_over_time(duration) by (span.foo)', 'histogram_over_time'],
    ['{ } | avg_over_time(span.http.response.size) | bottomk(3)', 'avg_over_time'],
    ['{ resource.service.name="a" } | compare({status=error}, 10, 1700000000000000000, 1700000060000000000)', 'compare'],
    ['{ } | rate() > 10 with (sample=true, exemplars=5)', 'rate'],
  ];
  for (const [text, fn] of cases) assert.equal(parseTraceQL(text).metrics?.fn, fn, text);
  const q = parseTraceQL('{ } | rate() by (resource.service.name) with (sample=0.1)');
  assert.deepEqual(
    q.hints.map((h) => [h.name, h.value]),
    [['sample', { kind: 'float', value: 0.1 }]],
  );
});

/** Bad queries: the line and column the error names, and a word of what it says. */
const ERRORS: Array<[string, number, number, RegExp]> = [
  ['{ span.x = }', 1, 12, /expected an attribute, intrinsic or value, found '}'/],
  ['{ span.x = 1', 1, 13, /expected '}'.*found end of query/],
  ['{ span.x = 1 } | ', 1, 18, /expected a spanset filter/],
  ['{ span.x = 1 }}', 1, 15, /expected '\|'/],
  ['{\n  name = "a" &&\n  status = 5\n}', 3, 10, /cannot compare status with int/],
  ['{ name =~ "(" }', 1, 11, /invalid regular expression/],
  ['{ name =~ 1 }', 1, 11, /string literal/],
  ['{ span.x = "unterminated }', 1, 12, /unterminated string/],
  ['{ span. = 1 }', 1, 3, /attribute name/],
  ['{ span:bogus = 1 }', 1, 3, /unknown intrinsic span:bogus/],
  ['{ 1 }', 1, 3, /boolean condition/],
  ['{ span.x > nil }', 1, 10, /nil can only be compared/],
  ['{ span.x = 12abc }', 1, 14, /duration unit/],
  ['{ } | count() >', 1, 16, /aggregate.*or a number/],
  ['{ } | count(', 1, 13, /count\(\) takes no argument/],
  ['{ } with (most_recent)', 1, 22, /expected '='/],
  ['{ } | topk(3)', 1, 7, /spanset filter/],
  ['{ } | rate() | topk(0)', 1, 16, /positive integer/],
  ['{ span.x = 99999999999999999999 }', 1, 12, /out of range/],
  ['{ span.x = 1 } # comment', 1, 16, /unexpected character/],
];

test('parser: errors name line, column and what was expected', () => {
  for (const [text, line, column, message] of ERRORS) {
    assert.throws(
      () => parseTraceQL(text),
      (e: unknown) => {
        assert.ok(e instanceof TraceQLParseError, `${text}: ${String(e)}`);
        assert.deepEqual([e.position.line, e.position.column], [line, column], `${text}: ${e.message}`);
        assert.match(e.message, message, text);
        assert.match(e.message, new RegExp(`^parse error at line ${line}, col ${column}: `));
        return true;
      },
    );
  }
});

test('parser: constructs Skein does not evaluate are named, never misread', () => {
  for (const [text, construct] of [
    ['{ parent.span.x = 1 }', /parent\. attribute scope/],
    ['{ nestedSetLeft > 0 }', /nestedSetLeft/],
    ['{ span:nestedSetParent = -1 }', /span:nestedSetParent/],
  ] as const) {
    assert.throws(
      () => parseTraceQL(text),
      (e: unknown) => e instanceof TraceQLUnsupportedError && construct.test(e.message) && e.position.line === 1,
    );
  }
});
