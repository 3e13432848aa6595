import assert from 'node:assert/strict';
import { test } from 'node:test';
import { featuresForVersion, NO_FEATURES, parseEngineVersion } from '../../src/storage/engine-features.js';
import { ddlContext } from '../../src/storage/schema/ddl-context.js';
import { MIGRATIONS } from '../../src/storage/schema/migrations.js';

const ALL = { lowCardinality: true, codecs: true, skipIndexes: true, ttl: true, tableCompressBlocks: true };

test('versions parse and switch features', () => {
  assert.deepStrictEqual(parseEngineVersion('26.7.2.1'), { major: 26, minor: 7 });
  assert.deepStrictEqual(parseEngineVersion('18.16.1'), { major: 18, minor: 16 });
  assert.deepStrictEqual(parseEngineVersion('garbage'), { major: 0, minor: 0 });
  assert.deepStrictEqual(featuresForVersion('18.16.1'), NO_FEATURES);
  assert.deepStrictEqual(featuresForVersion('19.17.4'), NO_FEATURES);
  assert.deepStrictEqual(featuresForVersion('20.3.1'), { ...ALL, tableCompressBlocks: false });
  assert.deepStrictEqual(featuresForVersion('21.1.2'), ALL);
  assert.deepStrictEqual(featuresForVersion('26.7.2.1'), ALL);
  assert.deepStrictEqual(featuresForVersion(''), NO_FEATURES);
});

/** Column name → everything after it up to the comma, with storage details stripped. */
function columns(ddl: string): Map<string, string> {
  const body = ddl.slice(ddl.indexOf('(') + 1, ddl.lastIndexOf(') ENGINE'));
  const out = new Map<string, string>();
  for (const line of body.split('\n')) {
    const match = /^\s*([a-z_]+) (.+?),?$/.exec(line);
    if (match === null || match[1] === 'INDEX') continue;
    const type = match[2]!.replace(/ CODEC\(.*\)$/, '').replace(/LowCardinality\((String)\)/g, '$1');
    out.set(match[1]!, type);
  }
  return out;
}

test('DDL: same columns and value types on every engine, storage details by feature', () => {
  const migrations = MIGRATIONS.map((m) => m.version);
  assert.deepStrictEqual(
    migrations,
    [...migrations].sort((a, b) => a - b),
  );
  const old = MIGRATIONS.flatMap((m) => m.statements(ddlContext('skein', NO_FEATURES)));
  const all = MIGRATIONS.flatMap((m) => m.statements(ddlContext('skein', ALL)));
  // Table settings (v12) and codec changes (v13) of newer engines only: storage details, no columns.
  const alters = all.filter((s) => s.startsWith('ALTER TABLE'));
  assert.deepStrictEqual(alters.slice(0, 2), [
    'ALTER TABLE `skein`.trace_spans_v3 MODIFY SETTING min_compress_block_size = 4096',
    'ALTER TABLE `skein`.trace_index_v12 MODIFY SETTING min_compress_block_size = 4096',
  ]);
  assert.equal(alters.length, 10);
  for (const line of alters[2]!.split('\n')) assert.match(line, /MODIFY COLUMN \w+ .+ CODEC\(.+\),?$/);
  // v16: LowCardinality and codecs; the bloom filter is dropped around the type change, added back, rebuilt.
  assert.deepStrictEqual(alters.slice(3, 4), ['ALTER TABLE `skein`.trace_spans_v3 DROP INDEX IF EXISTS attr_values_bloom']);
  assert.match(alters[4]!, /MODIFY COLUMN attr_values Array\(LowCardinality\(String\)\) CODEC\(ZSTD\(1\)\)/);
  assert.match(alters[4]!, /MODIFY COLUMN resource_hash LowCardinality\(String\) CODEC\(ZSTD\(1\)\)/);
  for (const line of alters[4]!.split('\n').slice(1)) assert.match(line, /^ {2}MODIFY COLUMN \w+ .+ CODEC\(.+\),?$/);
  assert.deepStrictEqual(alters.slice(5, 7), [
    'ALTER TABLE `skein`.trace_spans_v3 ADD INDEX IF NOT EXISTS attr_values_bloom attr_values TYPE bloom_filter(0.01) GRANULARITY 1',
    'ALTER TABLE `skein`.trace_spans_v3 MATERIALIZE INDEX attr_values_bloom',
  ]);
  assert.match(alters[7]!, /^ALTER TABLE `skein`\.trace_index_v12 MODIFY COLUMN bucket UInt32 CODEC\(ZSTD\(1\)\)/);
  assert.match(alters[8]!, /^ALTER TABLE `skein`\.metric_exemplars_v4 MODIFY COLUMN trace_id String CODEC\(ZSTD\(1\)\)/);
  assert.match(alters[9]!, /^ALTER TABLE `skein`\.span_metrics_v4 MODIFY COLUMN minute UInt32 CODEC\(ZSTD\(1\)\)/);
  const recent = all.filter((s) => !alters.includes(s));
  assert.equal(old.length, recent.length);
  for (const [i, statement] of old.entries()) {
    assert.deepStrictEqual(columns(statement), columns(recent[i]!));
    assert.doesNotMatch(statement, /LowCardinality|CODEC|INDEX|TTL/);
    assert.match(statement, /^CREATE (TABLE|MATERIALIZED VIEW) IF NOT EXISTS `skein`\./);
  }
  const text = recent.join('\n');
  assert.match(text, /name LowCardinality\(String\)/);
  assert.match(text, /start_ns UInt64 CODEC\(Delta, ZSTD\(1\)\)/);
  assert.match(text, /INDEX attr_kv_bloom attr_kv TYPE bloom_filter/);
  assert.match(text, /INDEX attr_values_bloom attr_values TYPE bloom_filter/);
  assert.match(alters.join('\n'), /MODIFY COLUMN attr_values Array\(String\) CODEC\(ZSTD\(3\)\)/);
  // TTL is configuration applied at start-up, never part of the schema history.
  assert.doesNotMatch(text, /TTL/);
  const spans = old.find((s) => s.includes('.spans ('))!;
  assert.match(spans, /ORDER BY \(trace_id, span_id\)/);
  assert.match(spans, /PARTITION BY toYYYYMMDD/);
  assert.match(
    old.find((s) => s.includes('.span_search ('))!,
    /ORDER BY \(service_name, start_ns/,
  );
  // Schema v2: one main table by (service, minute), trace lookups through trace_index.
  assert.match(
    old.find((s) => s.includes('.trace_spans ('))!,
    /ORDER BY \(service_name, bucket, trace_id, span_id\)/,
  );
  assert.match(
    old.find((s) => s.includes('.trace_index ('))!,
    /ORDER BY \(trace_id, service_name, bucket\)/,
  );
  assert.match(
    old.find((s) => s.includes('MATERIALIZED VIEW'))!,
    /TO `skein`\.trace_index/,
  );
});

test('DDL refuses a hostile database name', () => {
  assert.throws(() => ddlContext('x`; DROP DATABASE default; --', NO_FEATURES));
});
