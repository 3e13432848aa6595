/**
 * Issue 16, item 5, with the demo's own fault switch: Skein evaluates a latency rule on the
 * restaurant database every 250 ms while the test looks up nearby restaurants through the demo's
 * gateway. Flipping `slowGeoMs` on (POST /faults, as a user would) makes the geo lookups lose their
 * index; the alert fires and the webhook carries the evidence: exemplar traces that are slow
 * lookups, and the top distinguishing attribute of the slow spans, the query text that says
 * `NOT INDEXED`. Flipping it off resolves the alert. Real processes: Skein, every demo service.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { demoCustomer } from '../src/customers.js';
import { eventually, makeTempDir, removeDir, startDemo, startSkein } from './support/processes.js';
import type { RunningSkein, WatchedProcess } from './support/processes.js';

const SLOW_GEO_MS = 400;
const LOOKUP_LOOPS = 4;
const HTTP_TIMEOUT_MS = 10_000;

const CONFIG = (hookUrl: string): string => `
extensions:
  query:
    alerts:
      evaluation_interval: 250ms
      lease_duration: 2s
      external_url: http://skein.example:16686
      notifiers:
        - name: hook
          type: webhook
          url: ${hookUrl}
          retry_on_failure: { initial_interval: 50ms, max_interval: 100ms, max_elapsed_time: 2s }
      rules:
        - id: restaurant-db-p90
          name: restaurant database p90 above 200ms
          query: '{ resource.service.name = "restaurant-availability" && kind = client } | quantile_over_time(duration, 0.9)'
          threshold: 0.2
          # Long enough for a few dozen slow lookups: the ranking needs at least 5 spans to call a value a cause.
          for: 2s
          window: 3s
`;

interface Notice {
  status: string;
  exemplars: Array<{ traceId: string; url: string }>;
  topAttribute?: { attribute: string; value: string; selectionShare: number; baselineShare: number } | null;
  topAttributeReason?: string;
  value: number;
}

describe('an alert on the demo, driven by its fault switch', { timeout: 90_000 }, () => {
  const dataDir = makeTempDir('alerts-data');
  const configDir = mkdtempSync(join(tmpdir(), 'skein-demo-test-alerts-config-'));
  const notices: Notice[] = [];
  /** Every lookup's trace ID and how long the gateway took to answer it. */
  const lookupMillis = new Map<string, number>();
  let receiver: Server | undefined;
  let skein: RunningSkein | undefined;
  let demo: WatchedProcess | undefined;
  let gateway = '';
  let lookups: Promise<void>[] = [];
  let looking = false;

  const headers = { authorization: `Bearer ${demoCustomer(0).token}` };

  /** Nearby lookups over 81 cells of ~1 km in turn: the demo caches a cell 5 s, so most are misses that query the database. */
  async function lookUp(loop: number): Promise<void> {
    for (let k = loop; looking; k += LOOKUP_LOOPS) {
      const cell = k % 81;
      const lat = (52.48 + (cell % 9) * 0.01).toFixed(4);
      const lon = (13.365 + Math.floor(cell / 9) * 0.01).toFixed(4);
      const startedMs = Date.now();
      const response = await fetch(`${gateway}/restaurants/nearby?lat=${lat}&lon=${lon}`, {
        headers,
        signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
      }).catch(() => undefined);
      await response?.arrayBuffer();
      const traceId = response?.headers.get('x-trace-id');
      if (traceId) lookupMillis.set(traceId, Date.now() - startedMs);
    }
  }

  async function setFaults(body: object): Promise<void> {
    const response = await fetch(`${gateway}/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
    });
    assert.equal(response.status, 200, await response.text());
  }

  before(async () => {
    receiver = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        notices.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Notice);
        response.writeHead(200).end('{}');
      });
    });
    await new Promise<void>((done) => receiver!.listen(0, '127.0.0.1', done));
    const configFile = join(configDir, 'skein.yaml');
    writeFileSync(configFile, CONFIG(`http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`));
    skein = await startSkein(dataDir, ['--config', configFile]);
    demo = startDemo(['--skein-url', skein.otlpHttpUrl, '--base-port', '0', '--rate', '0'], { OTEL_BSP_SCHEDULE_DELAY: '200' });
    await demo.waitForLine(/demo is running/, 45_000);
    const started = demo.lines.map((line) => /started api-gateway\s+http:\/\/127\.0\.0\.1:(\d+)/.exec(line)).find((m) => m !== null);
    assert.ok(started, 'the gateway announced its port');
    gateway = `http://127.0.0.1:${started[1]}`;
  });

  after(async () => {
    // Runs even when `before` failed half-way: nothing may outlive the test.
    looking = false;
    await Promise.allSettled(lookups);
    await demo?.stop(10_000);
    await skein?.process.stop(10_000);
    await new Promise((done) => (receiver === undefined ? done(undefined) : receiver.close(done)));
    removeDir(dataDir);
    rmSync(configDir, { recursive: true, force: true });
  });

  it('fires with slow exemplar traces and the NOT INDEXED query as the top attribute, and resolves when the fault is off', async () => {
    looking = true;
    lookups = Array.from({ length: LOOKUP_LOOPS }, (_, loop) => lookUp(loop));
    // Normal traffic first: the spans the ranking compares the slow ones with.
    await new Promise((done) => setTimeout(done, 4_000));
    assert.equal(notices.length, 0, 'no alert without the fault');

    await setFaults({ slowGeoMs: SLOW_GEO_MS });
    const firing = await eventually(async () => notices.find((n) => n.status === 'firing'), 30_000, 'the firing webhook');
    assert.ok(firing.value >= 0.2, String(firing.value));
    assert.ok(firing.exemplars.length > 0, 'exemplar traces');
    for (const exemplar of firing.exemplars) {
      const millis = lookupMillis.get(exemplar.traceId);
      assert.ok(millis !== undefined && millis >= SLOW_GEO_MS, `exemplar ${exemplar.traceId} is a slow lookup (${millis} ms)`);
      assert.equal(exemplar.url, `http://skein.example:16686/trace/${exemplar.traceId}`);
    }
    assert.equal(firing.topAttributeReason, undefined, JSON.stringify(firing));
    assert.equal(firing.topAttribute?.attribute, 'span.db.query.text');
    assert.match(firing.topAttribute.value, /FROM restaurants NOT INDEXED WHERE/);
    // Every NOT INDEXED lookup takes at least 400 ms, so none is among the others; on a loaded machine an indexed one may
    // take over 200 ms too and join the slow spans.
    assert.equal(firing.topAttribute.baselineShare, 0);
    assert.ok(firing.topAttribute.selectionShare >= 0.8, JSON.stringify(firing.topAttribute));

    await setFaults({ slowGeoMs: 0 });
    await eventually(async () => notices.find((n) => n.status === 'resolved'), 30_000, 'the resolved webhook');
    assert.equal(notices.filter((n) => n.status === 'firing').length, 1, 'one firing notification');
  });
});
