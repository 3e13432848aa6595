/**
 * The logs forms of the processors (issue 17): `filter` (logs.include / logs.exclude), `attributes`
 * (include / exclude on records), and the config rules of `tail_sampling` in a logs pipeline.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateConfig } from '../../src/cli/config.js';
import type { LogRecord } from '../../src/model/log-record.js';
import { createLogsProcessor, createProcessor } from '../support/build-step.js';
import { logRecord, logResource } from '../storage/logs-store-contract.js';

function kept(config: unknown, logs: LogRecord[]): string[] {
  return createLogsProcessor('filter', config)
    .process(logs)
    .map((log) => String(log.body));
}

const health = logRecord({
  body: 'GET /healthz 200',
  severityNumber: 9,
  severityText: 'INFO',
  attributes: [{ key: 'http.route', value: '/healthz' }],
});
const declined = logRecord({ body: 'card declined', severityNumber: 17, severityText: 'ERROR' });
const slow = logRecord({ body: 'slow query', severityNumber: 14, severityText: 'WARN2', resource: logResource('db') });
const unset = logRecord({ body: 'no severity', severityNumber: 0, severityText: '' });
const structured = logRecord({
  body: { kvlist: [{ key: 'msg', value: 'GET /healthz 200' }] },
  severityNumber: 9,
  severityText: 'INFO',
});

test('severity_number min by number or name, match_undefined as the Collector', () => {
  const logs = [health, declined, slow, unset];
  assert.deepEqual(kept({ logs: { include: { severity_number: { min: 'WARN' } } } }, logs), ['card declined', 'slow query']);
  assert.deepEqual(kept({ logs: { include: { severity_number: { min: 17 } } } }, logs), ['card declined']);
  assert.deepEqual(kept({ logs: { include: { severity_number: { min: 'warn2', match_undefined: true } } } }, logs), [
    'card declined',
    'slow query',
    'no severity',
  ]);
  assert.deepEqual(kept({ logs: { exclude: { severity_number: { min: 'info' } } } }, logs), ['no severity']);
});

test('severity texts, bodies (strings only), record and resource attributes, strict and regexp', () => {
  const logs = [health, declined, slow, structured];
  assert.deepEqual(kept({ logs: { exclude: { match_type: 'regexp', bodies: ['^GET /healthz'] } } }, logs), [
    'card declined',
    'slow query',
    '[object Object]',
  ]);
  assert.deepEqual(kept({ logs: { exclude: { bodies: ['GET /healthz'] } } }, logs).length, 4);
  assert.deepEqual(kept({ logs: { include: { match_type: 'regexp', severity_texts: ['WARN[2-4]?', 'ERROR[2-4]?'] } } }, logs), [
    'card declined',
    'slow query',
  ]);
  assert.deepEqual(kept({ logs: { include: { severity_texts: ['WARN'] } } }, logs), []);
  assert.deepEqual(kept({ logs: { exclude: { record_attributes: [{ key: 'http.route', value: '/healthz' }] } } }, logs), [
    'card declined',
    'slow query',
    '[object Object]',
  ]);
  assert.deepEqual(kept({ logs: { include: { resource_attributes: [{ key: 'service.name', value: 'db' }] } } }, logs), ['slow query']);
  assert.deepEqual(
    kept({ logs: { include: { match_type: 'regexp', resource_attributes: [{ key: 'service.name', value: '^pay' }] } } }, logs).length,
    3,
  );
  // Numeric bounds on attributes, as the span form: retry is the int 3.
  assert.deepEqual(kept({ logs: { include: { record_attributes: [{ key: 'retry', gte: 3 }] } } }, [declined, health]), ['card declined']);
  // Every criterion must hold (AND).
  assert.deepEqual(
    kept({ logs: { include: { severity_texts: ['ERROR'], resource_attributes: [{ key: 'service.name', value: 'db' }] } } }, logs),
    [],
  );
});

test('include and exclude together; counts what it dropped', () => {
  const processor = createLogsProcessor('filter', {
    logs: { include: { severity_number: { min: 'INFO' } }, exclude: { record_attributes: [{ key: 'http.route' }] } },
  }) as unknown as { process(logs: LogRecord[]): LogRecord[] };
  assert.deepEqual(
    processor.process([health, declined, unset]).map((log) => log.body),
    ['card declined'],
  );
});

test('bad logs sections are config errors naming key and value; one filter serves both signals', () => {
  assert.throws(() => createLogsProcessor('filter', { logs: {} }), /logs needs include or exclude/);
  assert.throws(() => createLogsProcessor('filter', { logs: { exclude: { match_type: 'regexp' } } }), /at least one matching criterion/);
  assert.throws(
    () => createLogsProcessor('filter', { logs: { exclude: { match_type: 'regexp', bodies: ['('] } } }),
    /invalid regular expression "\("/,
  );
  assert.throws(
    () => createLogsProcessor('filter', { logs: { exclude: { severity_number: { min: 'LOUD' } } } }),
    /expected 1-24 or a name.*"LOUD"/,
  );
  assert.throws(() => createLogsProcessor('filter', { logs: { exclude: { severity_number: { min: 25 } } } }), /expected 1-24/);
  assert.throws(() => createLogsProcessor('filter', { logs: { exclude: { span_names: ['x'] } } }), /span_names/);
  assert.throws(() => createLogsProcessor('filter', {}), /filter needs spans .* or logs/);
  assert.throws(
    () => createLogsProcessor('filter', { spans: { exclude: { span_names: ['x'] } } }),
    /processors\.filter: a logs pipeline needs logs\.include or logs\.exclude/,
  );
  assert.throws(
    () => createProcessor('filter', { logs: { exclude: { bodies: ['x'] } } }),
    /processors\.filter: a traces pipeline needs spans\.include/,
  );
  const both = { spans: { exclude: { span_names: ['x'] } }, logs: { exclude: { bodies: ['x'] } } };
  assert.equal(createProcessor('filter', both).process([]).length, 0);
  assert.equal(createLogsProcessor('filter', both).process([logRecord({ body: 'x' })]).length, 0);
});

test('the config loader takes filter in a logs pipeline and names a filter without logs', () => {
  const config = validateConfig(
    {
      processors: { 'filter/quiet': { logs: { include: { severity_number: { min: 'WARN' } } } } },
      service: { pipelines: { logs: { processors: ['filter/quiet'] } } },
    },
    'test',
  );
  assert.deepEqual(config.service.pipelines['logs']?.processors, ['filter/quiet']);
  assert.throws(
    () =>
      validateConfig(
        {
          processors: { 'filter/spans': { spans: { exclude: { span_names: ['x'] } } } },
          service: { pipelines: { logs: { processors: ['filter/spans'] } } },
        },
        'test',
      ),
    /processors\.filter\/spans: a logs pipeline needs logs\.include/,
  );
});

test('attributes in a logs pipeline: include/exclude by services, resources, attributes; span-only criteria refused', () => {
  const processor = createLogsProcessor('attributes/tag', {
    include: { services: ['db'] },
    exclude: { attributes: [{ key: 'skip' }] },
    actions: [{ key: 'team', value: 'storage', action: 'insert' }],
  });
  const skipped = logRecord({ resource: logResource('db'), attributes: [{ key: 'skip', value: true }] });
  const tagged = processor.process([logRecord({ resource: logResource('db'), attributes: [] }), declined, skipped]);
  assert.deepEqual(
    tagged.map((log) => log.attributes.some((attribute) => attribute.key === 'team')),
    [true, false, false],
  );
  assert.throws(
    () => createLogsProcessor('attributes/tag', { include: { span_names: ['x'] }, actions: [{ key: 'a', value: 'b', action: 'insert' }] }),
    /processors\.attributes\/tag\.include\.span_names: selects spans/,
  );
});

test('tail_sampling in a logs pipeline needs the same processor in a traces pipeline', () => {
  const processors = { tail_sampling: { policies: [{ name: 'all', type: 'always_sample' }] } };
  const both = validateConfig(
    { processors, service: { pipelines: { traces: { processors: ['tail_sampling'] }, logs: { processors: ['tail_sampling'] } } } },
    'test',
  );
  assert.deepEqual(both.service.pipelines['logs']?.processors, ['tail_sampling']);
  assert.throws(
    () => validateConfig({ processors, service: { pipelines: { traces: {}, logs: { processors: ['tail_sampling'] } } } }, 'test'),
    /service\.pipelines\.logs\.processors\.0: "tail_sampling" makes logs follow the decisions it makes in a traces pipeline, and no traces pipeline lists it/,
  );
});
