/** query/jaeger/go-parse.ts and model/go-duration.ts: Jaeger's parameter parsers with Go's error texts. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseGoDuration } from '../../src/model/go-duration.js';
import { parseGoBool, parseGoInt, parseGoRfc3339, parseJaegerTraceId } from '../../src/query/jaeger/go-parse.js';
import { goJsonMapError } from '../../src/query/jaeger/jaeger-http.js';

test('time.ParseDuration: values and its three error texts', () => {
  assert.deepEqual(parseGoDuration('1.5s'), { value: 1_500_000_000n });
  assert.deepEqual(parseGoDuration('1h2m3.5ms'), { value: 3_720_003_500_000n });
  assert.deepEqual(parseGoDuration('-250µs'), { value: -250_000n });
  assert.deepEqual(parseGoDuration('0'), { value: 0n });
  assert.deepEqual(parseGoDuration('100'), { error: 'time: missing unit in duration "100"' });
  assert.deepEqual(parseGoDuration('5x'), { error: 'time: unknown unit "x" in duration "5x"' });
  assert.deepEqual(parseGoDuration('abc'), { error: 'time: invalid duration "abc"' });
  assert.deepEqual(parseGoDuration(''), { error: 'time: invalid duration ""' });
  assert.deepEqual(parseGoDuration('3000000h'), { error: 'time: invalid duration "3000000h"' });
});

test('strconv: ParseInt, Atoi, ParseBool and Jaeger trace IDs', () => {
  assert.deepEqual(parseGoInt('-12'), { value: -12n });
  assert.deepEqual(parseGoInt('1.5'), { error: 'strconv.ParseInt: parsing "1.5": invalid syntax' });
  assert.deepEqual(parseGoInt('99999999999999999999'), { error: 'strconv.ParseInt: parsing "99999999999999999999": value out of range' });
  assert.deepEqual(parseGoInt('x', 'strconv.Atoi'), { error: 'strconv.Atoi: parsing "x": invalid syntax' });
  assert.deepEqual(parseGoBool('T'), { value: true });
  assert.deepEqual(parseGoBool('yes'), { error: 'strconv.ParseBool: parsing "yes": invalid syntax' });
  assert.deepEqual(parseJaegerTraceId('ABCDEF'), { value: '00000000000000000000000000abcdef' });
  assert.deepEqual(parseJaegerTraceId('1234567890abcdef1'), { value: '0000000000000001234567890abcdef1' });
  assert.deepEqual(parseJaegerTraceId('zz34567890abcdef1'.padStart(20, '0')), {
    error: 'strconv.ParseUint: parsing "000z": invalid syntax',
  });
  assert.deepEqual(parseJaegerTraceId('1'.repeat(33)), { error: `TraceID cannot be longer than 32 hex characters: ${'1'.repeat(33)}` });
});

test('time.Parse(RFC3339Nano): nanoseconds, offsets, and Go-shaped errors', () => {
  assert.deepEqual(parseGoRfc3339('2026-01-15T10:00:00.000000001Z'), { value: 1_768_471_200_000_000_001n });
  assert.deepEqual(parseGoRfc3339('2026-01-15T12:00:00+02:00'), { value: 1_768_471_200_000_000_000n });
  assert.deepEqual(parseGoRfc3339('2026-01-15'), {
    error: 'parsing time "2026-01-15" as "2006-01-02T15:04:05.999999999Z07:00": cannot parse "" as "T"',
  });
  assert.deepEqual(parseGoRfc3339('2026-13-15T10:00:00Z'), { error: 'parsing time "2026-13-15T10:00:00Z": month out of range' });
  assert.deepEqual(parseGoRfc3339('2026-01-15T10:00:00Zjunk'), { error: 'parsing time "2026-01-15T10:00:00Zjunk": extra text: "junk"' });
});

test('tags JSON: encoding/json texts for the common mistakes', () => {
  assert.equal(goJsonMapError('{"a":"b"}'), undefined);
  assert.equal(goJsonMapError('notjson'), "invalid character 'o' in literal null (expecting 'u')");
  assert.equal(goJsonMapError('x'), "invalid character 'x' looking for beginning of value");
  assert.equal(goJsonMapError('{"a":1}'), 'json: cannot unmarshal number into Go struct field .a of type string');
  assert.equal(goJsonMapError('{"a":'), 'unexpected end of JSON input');
});
