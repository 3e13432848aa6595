import assert from 'node:assert/strict';
import { test } from 'node:test';
import { featuresForVersion } from '../../src/storage/engine-features.js';
import { DEFAULT_REPLICATION_PATH, ddlContext } from '../../src/storage/schema/ddl-context.js';
import { MIGRATIONS } from '../../src/storage/schema/migrations.js';

const cluster = { name: 'skein_cluster', replicationPath: DEFAULT_REPLICATION_PATH };

for (const version of ['18.16.1', '26.1.1']) {
  test(`cluster DDL (${version}): replicated local tables, Distributed tables by trace ID, everything ON CLUSTER`, () => {
    const ctx = ddlContext('skein', featuresForVersion(version), cluster);
    const statements = MIGRATIONS.flatMap((m) => m.statements(ctx));
    assert.ok(statements.length > 0);
    for (const statement of statements) assert.match(statement, / ON CLUSTER `skein_cluster` /, statement.slice(0, 80));
    const spans = statements.find((s) => s.includes('skein`.trace_spans_v3_local ON CLUSTER'))!;
    assert.match(
      spans,
      /ENGINE = ReplicatedReplacingMergeTree\('\/clickhouse\/tables\/\{shard\}\/skein\/trace_spans_v3_local', '\{replica\}'\)/,
    );
    const distributed = statements.find((s) => s.includes('skein`.trace_spans_v3 ON CLUSTER'))!;
    assert.match(distributed, /ENGINE = Distributed\('skein_cluster', 'skein', 'trace_spans_v3_local', cityHash64\(trace_id\)\)/);
    const index = statements.find((s) => s.includes('skein`.trace_index_v3 ON CLUSTER'))!;
    assert.match(index, /cityHash64\(trace_id\)/, 'the index lives on its trace’s shard');
    const view = statements.find((s) => s.includes('MATERIALIZED VIEW'))!;
    assert.match(view, /TO `skein`.trace_index_v3_local\nAS SELECT .* FROM `skein`.trace_spans_v3_local /);
    const operations = statements.find((s) => s.includes('operations_v3_local ON CLUSTER'))!;
    assert.match(operations, /ReplicatedReplacingMergeTree\('[^']+', '\{replica\}', last_seen_ns\)/);
    assert.ok(!statements.some((s) => /\.spans |trace_spans ON|trace_spans \(/.test(s)), 'no v1/v2 tables on a cluster');
    // v16: codecs and types on the local tables; the Distributed table follows the types (it has no codecs).
    const retypes = statements.filter((s) => s.startsWith('ALTER TABLE `skein`.trace_spans_v3 ON CLUSTER'));
    const localAlters = statements.filter((s) => s.startsWith('ALTER TABLE `skein`.trace_spans_v3_local ON CLUSTER'));
    if (version === '18.16.1') assert.deepStrictEqual(retypes, []);
    else {
      assert.deepStrictEqual(retypes, [
        'ALTER TABLE `skein`.trace_spans_v3 ON CLUSTER `skein_cluster` MODIFY COLUMN attr_values Array(LowCardinality(String)), MODIFY COLUMN attr_types LowCardinality(String), MODIFY COLUMN resource_hash LowCardinality(String), MODIFY COLUMN scope_hash LowCardinality(String)',
      ]);
      assert.ok(localAlters.some((s) => s.includes('MODIFY COLUMN attr_values Array(LowCardinality(String)) CODEC(ZSTD(1))')));
    }
  });
}

test('single-node DDL names no cluster, no replication and no Distributed table', () => {
  const statements = MIGRATIONS.flatMap((m) => m.statements(ddlContext('skein', featuresForVersion('18.16.1'))));
  for (const statement of statements) assert.doesNotMatch(statement, /ON CLUSTER|Replicated|Distributed|_local/);
});

test('a cluster name or replication path that could leave its literal is refused', () => {
  assert.throws(() => ddlContext('skein', featuresForVersion('18.16.1'), { name: 'a`b', replicationPath: DEFAULT_REPLICATION_PATH }));
  const ctx = ddlContext('skein', featuresForVersion('18.16.1'), { name: 'c', replicationPath: "/x/'); DROP" });
  assert.throws(() => MIGRATIONS.flatMap((m) => m.statements(ctx)));
});
