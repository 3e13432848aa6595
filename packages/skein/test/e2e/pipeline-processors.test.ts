/** Processors configured in YAML run in the pipeline between receivers and storage. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeOtlpJsonTraces } from '../../src/model/otlp-json.js';
import { getJson, removeDir, runSkeinToExit, startSkein, writeConfig, type SkeinProcess } from '../support/skein-process.js';
import { makeSpan, randomTraceId } from '../support/span-factory.js';

const CONFIG = `
processors:
  filter/health:
    spans:
      exclude:
        match_type: strict
        attributes: [{ key: http.route, value: /healthz }]
  attributes/env:
    actions:
      - { key: deployment.environment, value: e2e, action: insert }
service:
  pipelines:
    traces:
      processors: [filter/health, redaction, attributes/env]
`;

describe('configured processors', () => {
  let skein: SkeinProcess;
  before(async () => {
    skein = await startSkein({ args: ['--config', writeConfig(CONFIG)] });
  });
  after(async () => {
    assert.equal(await skein.stop(), 0);
    removeDir(skein.dataDir);
  });

  test('filter drops, redaction masks, attributes inserts, in the configured order', async () => {
    assert.ok(
      skein.logs.some((line) =>
        line.includes('traces pipeline: otlp + zipkin → filter/health → redaction → attributes/env → metrics_tap → storage'),
      ),
    );
    const traceId = randomTraceId();
    const spans = [
      makeSpan({ traceId, name: 'GET /healthz', attributes: [{ key: 'http.route', value: '/healthz' }] }),
      makeSpan({
        traceId,
        name: 'POST /checkout',
        attributes: [
          { key: 'user.contact', value: 'jane.doe@example.com' },
          { key: 'payment.card', value: '4111 1111 1111 1111' },
          { key: 'order.id', value: '1234567812345678' },
          { key: 'order.ref', value: '4111111111111112' },
        ],
      }),
    ];
    const response = await fetch(skein.otlpHttpUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(encodeOtlpJsonTraces(spans)),
    });
    assert.equal(response.status, 200);
    const { body } = await getJson(`${skein.queryUrl}/api/v1/traces/${traceId}`);
    assert.deepEqual(
      body.spans.map((s: any) => s.name),
      ['POST /checkout'],
      'the health check was filtered out',
    );
    const attributes = Object.fromEntries(body.spans[0].attributes.map((a: any) => [a.key, Object.values(a.value)[0]]));
    assert.notEqual(attributes['user.contact'], 'jane.doe@example.com');
    assert.equal(attributes['payment.card'], '****1111');
    assert.equal(attributes['order.id'], '1234567812345678', 'a number that fails the Luhn check is not a card');
    assert.equal(attributes['order.ref'], '4111111111111112', 'a Visa-like number that fails the Luhn check is not a card');
    assert.equal(attributes['deployment.environment'], 'e2e');
    assert.equal(attributes['redaction.masked.count'], '2');
  });

  test('a bad processor configuration is refused at start-up naming the key', async () => {
    const bad = writeConfig(
      'processors:\n  attributes/x:\n    actions:\n      - { key: a, action: explode }\nservice:\n  pipelines:\n    traces:\n      processors: [attributes/x, missing]\n',
    );
    const { code, output } = await runSkeinToExit(['--config', bad]);
    assert.equal(code, 1);
    assert.match(output, /processors\.attributes\/x\.actions\.0/);
    assert.match(output, /service\.pipelines\.traces\.processors\.1: processor "missing" is not defined under processors/);
  });
});
