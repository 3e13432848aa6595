/** `tail_sampling` configuration: Collector keys and defaults, and errors that name the bad key. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPipelineStep } from '../support/build-step.js';
import { ConfigError } from '../../src/model/config-error.js';
import { parseGoDurationMillis } from '../../src/model/go-duration.js';
import { parseTailSamplingConfig } from '../../src/collector/sampling/tail-sampling-config.js';
import { tailSamplingProcessorFactory } from '../../src/collector/sampling/tail-sampling-stage.js';
import { SkeinMetrics } from '../../src/telemetry/skein-metrics.js';

const ERRORS = { name: 'errors', type: 'status_code', status_code: { status_codes: ['ERROR'] } };

test('defaults', () => {
  const config = parseTailSamplingConfig({ policies: [ERRORS] });
  assert.equal(config.decision_wait, 30_000);
  assert.equal(config.num_traces, 50_000);
  assert.deepEqual(config.decision_cache, { sampled_cache_size: 100_000, non_sampled_cache_size: 100_000 });
  assert.equal(config.early_decision_quiet_period, 1_000);
  assert.equal(config.max_spans_per_trace, 10_000);
  assert.equal(config.max_buffered_spans, 500_000);
  assert.deepEqual(config.journal, { max_size_mib: 1024, segment_size_mib: 64 });
  assert.equal(parseTailSamplingConfig({ policies: [ERRORS], journal: false }).journal, false);
});

test('Go durations, as the Collector writes decision_wait', () => {
  assert.equal(parseGoDurationMillis('500ms'), 500);
  assert.equal(parseGoDurationMillis('1m30s'), 90_000);
  assert.equal(parseGoDurationMillis('1.5h'), 5_400_000);
  assert.equal(parseGoDurationMillis('0'), 0);
  assert.equal(parseGoDurationMillis('10'), undefined);
  assert.equal(parseGoDurationMillis('-1s'), undefined);
  assert.equal(parseTailSamplingConfig({ policies: [ERRORS], early_decision_quiet_period: '0s' }).early_decision_quiet_period, 0);
  assert.equal(parseTailSamplingConfig({ policies: [ERRORS], early_decision_quiet_period: 0 }).early_decision_quiet_period, 0, 'YAML 0');
});

test('the Collector README example parses', () => {
  const config = parseTailSamplingConfig({
    decision_wait: '10s',
    num_traces: 100,
    expected_new_traces_per_sec: 10,
    decision_cache: { sampled_cache_size: 100_000, non_sampled_cache_size: 100_000 },
    policies: [
      { name: 'test-policy-1', type: 'always_sample' },
      { name: 'test-policy-2', type: 'latency', latency: { threshold_ms: 5000, upper_threshold_ms: 10000 } },
      { name: 'test-policy-3', type: 'numeric_attribute', numeric_attribute: { key: 'key1', min_value: 50, max_value: 100 } },
      { name: 'test-policy-4', type: 'probabilistic', probabilistic: { sampling_percentage: 10 } },
      { name: 'test-policy-5', type: 'status_code', status_code: { status_codes: ['ERROR', 'UNSET'] } },
      { name: 'test-policy-6', type: 'string_attribute', string_attribute: { key: 'key2', values: ['value1', 'value2'] } },
      {
        name: 'test-policy-7',
        type: 'string_attribute',
        string_attribute: { key: 'key2', values: ['value1', 'val*'], enabled_regex_matching: true, cache_max_size: 10 },
      },
      { name: 'test-policy-8', type: 'rate_limiting', rate_limiting: { spans_per_second: 35 } },
      { name: 'test-policy-9', type: 'bytes_limiting', bytes_limiting: { bytes_per_second: 1024000, burst_capacity: 2048000 } },
      { name: 'test-policy-10', type: 'span_count', span_count: { min_spans: 2, max_spans: 20 } },
      { name: 'test-policy-11', type: 'trace_state', trace_state: { key: 'key3', values: ['value1', 'value2'] } },
      { name: 'test-policy-12', type: 'boolean_attribute', boolean_attribute: { key: 'key4', value: true } },
      {
        name: 'and-policy-1',
        type: 'and',
        and: {
          and_sub_policy: [
            { name: 'test-and-policy-1', type: 'numeric_attribute', numeric_attribute: { key: 'key1', min_value: 50, max_value: 100 } },
            { name: 'test-and-policy-2', type: 'string_attribute', string_attribute: { key: 'key2', values: ['value1', 'value2'] } },
          ],
        },
      },
      {
        name: 'drop-policy-1',
        type: 'drop',
        drop: {
          drop_sub_policy: [
            {
              name: 'test-drop-policy-1',
              type: 'string_attribute',
              string_attribute: { key: 'url.path', values: ['\\/health', '\\/metrics'], enabled_regex_matching: true },
            },
          ],
        },
      },
      {
        name: 'composite-policy-1',
        type: 'composite',
        composite: {
          max_total_spans_per_second: 1000,
          policy_order: ['test-composite-policy-1', 'test-composite-policy-2', 'test-composite-policy-3'],
          composite_sub_policy: [
            { name: 'test-composite-policy-1', type: 'numeric_attribute', numeric_attribute: { key: 'key1', min_value: 50 } },
            { name: 'test-composite-policy-2', type: 'string_attribute', string_attribute: { key: 'key2', values: ['value1', 'value2'] } },
            { name: 'test-composite-policy-3', type: 'always_sample' },
          ],
          rate_allocation: [
            { policy: 'test-composite-policy-1', percent: 50 },
            { policy: 'test-composite-policy-2', percent: 25 },
          ],
        },
      },
    ],
  });
  assert.equal(config.policies.length, 15);
  assert.equal(config.decision_wait, 10_000);
});

test('errors name the processor and the bad key', () => {
  const problems = (raw: unknown): string => {
    try {
      createPipelineStep('tail_sampling/edge', raw);
    } catch (error) {
      return (error as Error).message;
    }
    return '';
  };
  assert.match(
    problems({ decision_wait: '10 seconds', policies: [ERRORS] }),
    /processors\.tail_sampling\/edge\.decision_wait: expected a duration such as 500ms, 5s or 1m \(got "10 seconds"\)/,
  );
  assert.match(problems({ policies: [] }), /processors\.tail_sampling\/edge\.policies: at least one policy is needed/);
  assert.match(
    problems({ policies: [{ name: 'slow', type: 'latency', latency: { threshold: 5 } }] }),
    /processors\.tail_sampling\/edge\.policies\.0\.latency: .*threshold/,
  );
  assert.match(problems({ policies: [ERRORS, ERRORS] }), /policies\.1\.name: duplicate policy name "errors"/);
  assert.match(
    problems({
      policies: [
        {
          name: 'c',
          type: 'composite',
          composite: { max_total_spans_per_second: 10, policy_order: ['x'], composite_sub_policy: [ERRORS] },
        },
      ],
    }),
    /policies\.0\.composite\.policy_order\.0: no composite_sub_policy named "x"/,
  );
  assert.match(problems({ policies: [ERRORS], journal: { max_size_mib: 1, segment_size_mib: 2 } }), /journal\.segment_size_mib/);
  assert.match(problems({ policies: [ERRORS], decision_wait: '0s' }), /decision_wait must be more than 0/);
  // Go reads a bare number as nanoseconds, Skein read it as milliseconds: neither is guessed.
  assert.match(
    problems({ policies: [ERRORS], decision_wait: 10 }),
    /processors\.tail_sampling\/edge\.decision_wait: expected a duration such as 500ms, 5s or 1m \(got 10: a bare number has no unit, and Go reads it as nanoseconds; write 10ms or 10s\)/,
  );
  assert.match(
    problems({ policies: [ERRORS], early_decision_quiet_period: 500 }),
    /processors\.tail_sampling\/edge\.early_decision_quiet_period: expected a duration such as 500ms, 5s or 1m \(got 500: a bare number has no unit/,
  );
  assert.throws(() => parseTailSamplingConfig({ policies: [ERRORS], num_tracez: 1 }), ConfigError);
});

test('the factory in the component-registry shape: defaults, and a stage connected by the pipeline', () => {
  const defaults = tailSamplingProcessorFactory.createDefaultConfig();
  assert.equal(tailSamplingProcessorFactory.kind, 'processor');
  assert.equal(tailSamplingProcessorFactory.type, 'tail_sampling');
  assert.deepEqual(defaults, { ...parseTailSamplingConfig({ policies: [ERRORS] }), policies: [] });
  const id = { type: 'tail_sampling', name: 'edge', text: 'tail_sampling/edge' };
  const logger = { info: () => undefined, warn: () => undefined, error: () => undefined };
  const step = tailSamplingProcessorFactory.create(
    { id, logger, metrics: new SkeinMetrics() },
    parseTailSamplingConfig({ policies: [ERRORS], journal: false }),
  );
  assert.equal(step.kind, 'stage');
  assert.equal(step.kind === 'stage' && step.name, 'tail_sampling/edge');
});

test('a stage type: configured here, started only when the pipeline connects it', () => {
  const step = createPipelineStep('tail_sampling', { policies: [ERRORS] });
  assert.equal(step.kind, 'stage');
});
