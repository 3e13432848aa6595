/** Topology files: a good one loads and drives the generator; bad ones are refused naming the key (issue 3, item 1). */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { DEFAULT_TOPOLOGY_INPUT } from '../../src/loadgen/default-topology.js';
import { loadTopologyFile, TopologyError } from '../../src/loadgen/topology.js';
import { TraceGenerator } from '../../src/loadgen/trace-generator.js';

const dir = mkdtempSync(join(tmpdir(), 'skein-test-topology-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const SMALL = `
name: two-services
error_rate: 0
services:
  web: { instances: 1, attributes: { service.version: "1.0" } }
  db-client: {}
operations:
  home:
    service: web
    name: GET /
    kind: server
    latency: { median_ms: 5, p99_ms: 50 }
    attributes:
      http.request.method: GET
      http.route: /
      enduser.id: { template: "user-{n}", max: 100 }
      http.response.status_code: { one_of: [200, 304], weights: [9, 1] }
    calls:
      - { to: query, repeat: [2, 3], parallel: true }
      - { to: publish }
  query:
    service: web
    name: SELECT items
    kind: client
    attributes: { db.system: postgresql, db.statement: "SELECT * FROM items", db.rows: { int: [0, 9] } }
  publish:
    service: web
    name: jobs publish
    kind: producer
    calls: [{ to: consume, async: true }]
  consume:
    service: db-client
    name: jobs process
    kind: consumer
roots:
  - operation: home
`;

describe('topology files', () => {
  test('a YAML file loads, fills defaults and drives the generator', () => {
    const topology = loadTopologyFile(file('good.yaml', SMALL));
    assert.equal(topology.name, 'two-services');
    assert.equal(topology.services['db-client']!.instances, 2);
    const trace = new TraceGenerator(topology, { seed: 1, startTimeUnixNano: 1_790_000_000_000_000_000n }).nextTrace();
    const names = trace.map((s) => s.name);
    assert.equal(names[0], 'GET /');
    assert.ok(names.filter((n) => n === 'SELECT items').length >= 2);
    const consumer = trace.find((s) => s.name === 'jobs process')!;
    const producer = trace.find((s) => s.name === 'jobs publish')!;
    assert.ok(consumer.startTimeUnixNano >= producer.endTimeUnixNano);
    assert.equal(consumer.links[0]?.spanId, producer.spanId);
    const user = trace[0]!.attributes.find((a) => a.key === 'enduser.id')?.value;
    assert.match(String(user), /^user-\d+$/);
    assert.equal(typeof trace[0]!.attributes.find((a) => a.key === 'http.response.status_code')?.value, 'bigint');
  });

  test('a JSON file loads too (the built-in topology, round-tripped)', () => {
    const topology = loadTopologyFile(file('default.json', JSON.stringify(DEFAULT_TOPOLOGY_INPUT)));
    assert.equal(topology.name, 'e-commerce');
    assert.equal(Object.keys(topology.services).length, 9);
  });

  const bad: [string, string, RegExp][] = [
    ['unknown key', SMALL.replace('error_rate: 0', 'eror_rate: 0'), /\(root\): unknown key\(s\) "eror_rate"/],
    ['bad kind', SMALL.replace('kind: client', 'kind: db'), /operations\.query\.kind: .*\(got "db"\)/],
    ['negative latency', SMALL.replace('median_ms: 5', 'median_ms: -5'), /operations\.home\.latency\.median_ms: .*\(got -5\)/],
    ['p99 below median', SMALL.replace('p99_ms: 50', 'p99_ms: 1'), /operations\.home\.latency: p99_ms must be >= median_ms/],
    ['error rate above 1', SMALL.replace('error_rate: 0', 'error_rate: 7'), /error_rate: .*\(got 7\)/],
    [
      'weights length',
      SMALL.replace('weights: [9, 1]', 'weights: [9]'),
      /operations\.home\.attributes\.http\.response\.status_code: weights must have one entry/,
    ],
    ['unknown call target', SMALL.replace('to: publish', 'to: publsh'), /operations\.home\.calls\.1\.to: unknown operation "publsh"/],
    ['unknown service', SMALL.replace('service: db-client', 'service: db'), /operations\.consume\.service: unknown service "db"/],
    ['unknown root', SMALL.replace('- operation: home', '- operation: hom'), /roots\.0\.operation: unknown operation "hom"/],
    [
      'call cycle',
      SMALL.replace('kind: consumer', 'kind: consumer\n    calls: [{ to: home }]'),
      /call cycle home -> publish -> consume -> home/,
    ],
    ['no roots', SMALL.replace(/roots:\n {2}- operation: home/, 'roots: []'), /roots: needs at least one root operation/],
    [
      'repeat order',
      SMALL.replace('repeat: [2, 3]', 'repeat: [3, 2]'),
      /operations\.home\.calls\.0\.repeat: repeat: \[min, max\] needs min <= max/,
    ],
  ];
  for (const [what, text, expected] of bad) {
    test(`refused: ${what}`, () => {
      const path = file(`bad-${what.replace(/\W+/g, '-')}.yaml`, text);
      assert.throws(
        () => loadTopologyFile(path),
        (error: unknown) => {
          assert.ok(error instanceof TopologyError);
          assert.match(error.message, expected);
          assert.ok(error.message.includes(path), 'names the file');
          return true;
        },
      );
    });
  }

  test('unreadable and unparsable files are refused with the reason', () => {
    assert.throws(() => loadTopologyFile(join(dir, 'missing.yaml')), /cannot read topology file .*missing\.yaml/);
    assert.throws(() => loadTopologyFile(file('broken.yaml', 'services: [\n')), /topology file .*broken\.yaml is not valid YAML/);
  });

  test('the built-in topology survives a YAML round trip', () => {
    const topology = loadTopologyFile(file('default.yaml', stringify(DEFAULT_TOPOLOGY_INPUT)));
    assert.equal(topology.roots.length, 7);
  });
});
