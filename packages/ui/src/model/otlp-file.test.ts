import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nativeTraceSchema } from '../api/schemas';
import { parseJsonKeepingInt64 } from './json-int64';
import { idToHex, OtlpFileError, parseOtlpJsonFile } from './otlp-file';
import { summariseTrace } from './trace-summary';

const TRACE = '5b8efff798038103d269b633813fc60c';
const ROOT = 'eee19b7ec3c1b174';
const CHILD = '0000000000000c01';

/** An OTLP JSON file as an exporter writes it: hex IDs, int64 as strings, enums as integers. */
function exportedFile(): Record<string, unknown> {
  return {
    resourceSpans: [
      {
        resource: {
          attributes: [
            { key: 'service.name', value: { stringValue: 'frontend' } },
            { key: 'host.name', value: { stringValue: 'fe-1' } },
          ],
        },
        scopeSpans: [
          {
            scope: { name: '@opentelemetry/instrumentation-http', version: '0.57.0' },
            spans: [
              {
                traceId: TRACE,
                spanId: ROOT,
                name: 'GET /checkout',
                kind: 2,
                flags: 257,
                startTimeUnixNano: '1795428000123456789',
                endTimeUnixNano: '1795428000623456789',
                attributes: [
                  { key: 'http.route', value: { stringValue: '/checkout' } },
                  { key: 'http.response.status_code', value: { intValue: 500 } },
                  { key: 'retry', value: { boolValue: false } },
                  { key: 'ratio', value: { doubleValue: 0.5 } },
                  { key: 'tags', value: { arrayValue: { values: [{ stringValue: 'a' }, { intValue: '2' }] } } },
                ],
                events: [{ timeUnixNano: '1795428000200000000', name: 'exception', attributes: [] }],
                status: { code: 2, message: 'card declined' },
              },
            ],
          },
        ],
      },
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'cart' } }] },
        scopeSpans: [
          {
            scope: { name: 'manual' },
            spans: [
              {
                traceId: TRACE.toUpperCase(),
                spanId: CHILD,
                parentSpanId: ROOT,
                name: 'POST /cart',
                kind: 'SPAN_KIND_CLIENT',
                startTimeUnixNano: '1795428000133456789',
                endTimeUnixNano: '1795428000233456789',
                links: [{ traceId: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', spanId: 'bbbbbbbbbbbbbbbb' }],
              },
            ],
          },
        ],
      },
    ],
  };
}

test('an exported OTLP JSON file becomes the native trace shape the trace page renders', () => {
  const [trace, ...rest] = parseOtlpJsonFile(JSON.stringify(exportedFile()));
  assert.equal(rest.length, 0);
  assert.ok(nativeTraceSchema.safeParse(trace).success, 'valid against the API schema');
  assert.equal(trace!.traceId, TRACE);
  const [root, child] = trace!.spans;
  assert.deepEqual(
    { ...root, attributes: undefined, events: undefined },
    {
      traceId: TRACE,
      spanId: ROOT,
      parentSpanId: '',
      traceState: '',
      flags: 257,
      name: 'GET /checkout',
      kind: 'SERVER',
      serviceName: 'frontend',
      startTimeUnixNano: '1795428000123456789',
      endTimeUnixNano: '1795428000623456789',
      durationNano: '500000000',
      attributes: undefined,
      droppedAttributesCount: 0,
      events: undefined,
      droppedEventsCount: 0,
      links: [],
      droppedLinksCount: 0,
      status: { code: 'ERROR', message: 'card declined' },
      resourceIndex: 0,
      scopeIndex: 0,
    },
  );
  // int64 attribute values become decimal strings, as the API sends them.
  assert.deepEqual(root!.attributes[1], { key: 'http.response.status_code', value: { intValue: '500' } });
  assert.deepEqual(root!.attributes[4]!.value, { arrayValue: { values: [{ stringValue: 'a' }, { intValue: '2' }] } });
  assert.deepEqual(root!.events, [{ timeUnixNano: '1795428000200000000', name: 'exception', attributes: [], droppedAttributesCount: 0 }]);
  assert.equal(child!.kind, 'CLIENT');
  assert.equal(child!.serviceName, 'cart');
  assert.equal(child!.traceId, TRACE, 'upper-case hex is lower-cased');
  assert.equal(child!.parentSpanId, ROOT);
  assert.equal(child!.links[0]!.spanId, 'bbbbbbbbbbbbbbbb');
  assert.equal(child!.resourceIndex, 1);
  assert.deepEqual(trace!.resources[0]!.attributes[1], { key: 'host.name', value: { stringValue: 'fe-1' } });
  assert.deepEqual(
    trace!.scopes.map((scope) => scope.name),
    ['@opentelemetry/instrumentation-http', 'manual'],
  );
});

test('bare int64 numbers beyond 2^53 keep every digit', () => {
  const text = JSON.stringify(exportedFile())
    .replace('"1795428000123456789"', '1795428000123456789')
    .replace('"1795428000623456789"', '1795428000623456789');
  assert.match(text, /"startTimeUnixNano":1795428000123456789/);
  const [trace] = parseOtlpJsonFile(text);
  assert.equal(trace!.spans[0]!.startTimeUnixNano, '1795428000123456789');
  assert.equal(trace!.spans[0]!.durationNano, '500000000');
  // Only long integer literals outside strings are quoted; fractions, exponents and strings stay.
  assert.deepEqual(
    parseJsonKeepingInt64('{"a":12345678901234567,"b":"12345678901234567890","c":1.2345678901234567,"d":-12345678901234567,"e":1e300}'),
    {
      a: '12345678901234567',
      b: '12345678901234567890',
      c: 1.2345678901234567,
      d: '-12345678901234567',
      e: 1e300,
    },
  );
});

test('several traces in one file, newest first; JSON lines (the Collector file exporter) too', () => {
  const other = exportedFile();
  const json = JSON.stringify(other)
    .replaceAll(TRACE, 'c'.repeat(32))
    .replaceAll(TRACE.toUpperCase(), 'c'.repeat(32))
    .replace(/"17954280/g, '"17954281');
  const traces = parseOtlpJsonFile(`${JSON.stringify(exportedFile())}\n${json}\n`);
  assert.deepEqual(
    traces.map((trace) => trace.traceId),
    ['c'.repeat(32), TRACE],
  );
  const summary = summariseTrace(traces[1]!);
  assert.deepEqual(summary, {
    traceId: TRACE,
    rootServiceName: 'frontend',
    rootSpanName: 'GET /checkout',
    rootSpanMissing: false,
    startTimeUnixNano: '1795428000123456789',
    durationNano: '500000000',
    skewCorrected: true,
    spanCount: 2,
    errorCount: 1,
    services: [
      { serviceName: 'cart', spanCount: 1 },
      { serviceName: 'frontend', spanCount: 1 },
    ],
  });
});

test('base64 IDs (the plain proto3 mapping), legacy instrumentationLibrarySpans and nulls are accepted', () => {
  assert.equal(idToHex('W47/95gDgQPSabYzgT/GDA==', 16), TRACE);
  assert.equal(idToHex('00000000000000000000000000000000', 16), undefined);
  assert.equal(idToHex('abc', 8), undefined);
  const file = {
    resourceSpans: [
      {
        resource: null,
        instrumentationLibrarySpans: [
          {
            instrumentationLibrary: { name: 'old' },
            spans: [
              {
                traceId: 'W47/95gDgQPSabYzgT/GDA==',
                spanId: '7uGbfsPBsXQ=',
                parentSpanId: null,
                name: 'legacy',
                startTimeUnixNano: 1,
                endTimeUnixNano: 2,
                status: null,
              },
            ],
          },
        ],
      },
    ],
  };
  const [trace] = parseOtlpJsonFile(JSON.stringify(file));
  assert.equal(trace!.spans[0]!.spanId, ROOT);
  assert.equal(trace!.spans[0]!.serviceName, 'unknown_service');
  assert.equal(trace!.scopes[0]!.name, 'old');
  assert.equal(trace!.spans[0]!.status.code, 'UNSET');
});

function problem(text: string): string {
  try {
    parseOtlpJsonFile(text);
  } catch (error) {
    assert.ok(error instanceof OtlpFileError, `an OtlpFileError, got ${String(error)}`);
    return error.message;
  }
  assert.fail('expected the file to be refused');
}

function withSpan(change: (span: Record<string, unknown>) => void): string {
  const file = exportedFile() as { resourceSpans: { scopeSpans: { spans: Record<string, unknown>[] }[] }[] };
  change(file.resourceSpans[1]!.scopeSpans[0]!.spans[0]!);
  return JSON.stringify(file);
}

test('a bad file is refused with a message naming the problem and where it is', () => {
  assert.equal(problem(''), 'the file is empty');
  assert.match(problem('{"resourceSpans": ['), /^not valid JSON: /);
  assert.match(problem('[{"traceId":"x"}]'), /got an array \(Zipkin JSON/);
  assert.match(problem('{"data":[{"traceID":"x"}]}'), /"resourceSpans" list.*Jaeger UI export/);
  assert.equal(problem('{"resourceSpans":[]}'), 'the file holds no spans ("resourceSpans" has no span in any scope)');
  assert.equal(
    problem(withSpan((span) => (span['traceId'] = 'xyz'))),
    'resourceSpans[1].scopeSpans[0].spans[0].traceId: expected 32 hex digits, not all zero, got "xyz"',
  );
  assert.equal(
    problem(withSpan((span) => (span['spanId'] = '0000000000000000'))),
    'resourceSpans[1].scopeSpans[0].spans[0].spanId: expected 16 hex digits, not all zero, got "0000000000000000"',
  );
  assert.equal(
    problem(withSpan((span) => (span['startTimeUnixNano'] = '12:00'))),
    'resourceSpans[1].scopeSpans[0].spans[0].startTimeUnixNano: expected a non-negative integer (a decimal string or a number), got "12:00"',
  );
  assert.equal(
    problem(withSpan((span) => delete span['endTimeUnixNano'])),
    'resourceSpans[1].scopeSpans[0].spans[0].endTimeUnixNano: expected a non-negative integer (a decimal string or a number), but it is missing',
  );
  assert.equal(
    problem(withSpan((span) => (span['name'] = ''))),
    'resourceSpans[1].scopeSpans[0].spans[0].name: a span needs a name, got ""',
  );
  assert.equal(
    problem(withSpan((span) => (span['kind'] = 'server'))),
    'resourceSpans[1].scopeSpans[0].spans[0].kind: expected a span kind: 0–5 or SPAN_KIND_…, got "server"',
  );
  assert.equal(
    problem(withSpan((span) => (span['attributes'] = [{ key: 'n', value: { intValue: 1.5 } }]))),
    'resourceSpans[1].scopeSpans[0].spans[0].attributes[0].value.intValue: expected an integer (a decimal string or a number), got 1.5',
  );
  assert.equal(
    problem(withSpan((span) => (span['endTimeUnixNano'] = '1795428000000000000'))),
    'resourceSpans[1].scopeSpans[0].spans[0]: endTimeUnixNano (1795428000000000000) is before startTimeUnixNano (1795428000133456789)',
  );
  assert.match(problem(`${JSON.stringify(exportedFile())}\n{"resourceSpans": 3}\n`), /^line 2: resourceSpans: .*, got 3$/);
  assert.match(problem(`${JSON.stringify(exportedFile())}\n{oops\n`), /^line 2: not valid JSON: /);
});
