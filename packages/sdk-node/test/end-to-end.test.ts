// Two real Node processes traced only by `--import src/register.ts`, exporting OTLP/HTTP JSON to
// a receiver this test runs. Nothing is mocked: the spans checked are the ones the SDK sent.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const registerEntry = join(packageDir, 'src', 'register.ts');

interface ReceivedSpan {
  service: string;
  scope: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
}

const SERVER = 2;
const CLIENT = 3;

/** OTLP/JSON ids are hex in OpenTelemetry JS; accept base64 too (the proto3 JSON mapping). */
function hexId(value: unknown): string {
  if (typeof value !== 'string' || value === '') return '';
  return /^[0-9a-f]+$/i.test(value) && value.length % 16 === 0 ? value.toLowerCase() : Buffer.from(value, 'base64').toString('hex');
}

function attributeMap(list: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const kv of (list as any[] | undefined) ?? []) {
    const v = kv.value ?? {};
    out[kv.key] = v.stringValue ?? v.intValue ?? v.boolValue ?? v.doubleValue;
  }
  return out;
}

/** A minimal OTLP/HTTP JSON receiver: collects every span posted to /v1/traces. */
async function startReceiver(): Promise<{ url: string; spans: ReceivedSpan[]; close: () => Promise<void> }> {
  const spans: ReceivedSpan[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/traces' || !String(req.headers['content-type']).includes('json')) {
        res.writeHead(404).end();
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      for (const rs of body.resourceSpans ?? []) {
        const service = String(attributeMap(rs.resource?.attributes)['service.name']);
        for (const ss of rs.scopeSpans ?? []) {
          for (const s of ss.spans ?? []) {
            spans.push({
              service,
              scope: String(ss.scope?.name),
              traceId: hexId(s.traceId),
              spanId: hexId(s.spanId),
              parentSpanId: hexId(s.parentSpanId),
              name: s.name,
              kind: s.kind,
              attributes: attributeMap(s.attributes),
            });
          }
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, spans, close: () => new Promise((r) => server.close(() => r())) };
}

interface App {
  child: ChildProcess;
  url: string;
  output: string[];
}

async function startApp(fixture: string, env: Record<string, string>): Promise<App> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--import', registerEntry, join(packageDir, 'test', 'fixtures', fixture)], {
    cwd: packageDir,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stderr!.on('data', (d: Buffer) => output.push(d.toString()));
  const lines = createInterface({ input: child.stdout! });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${fixture} did not start:\n${output.join('')}`)), 15_000);
    lines.on('line', (line) => {
      output.push(line);
      try {
        const msg = JSON.parse(line);
        if (msg.ready === true) {
          clearTimeout(timer);
          resolve(msg.port);
        }
      } catch {
        // not our ready line
      }
    });
    child.once('exit', (code) => reject(new Error(`${fixture} exited (${code}) before listening:\n${output.join('')}`)));
  });
  return { child, url: `http://127.0.0.1:${port}`, output };
}

async function getJson(url: string, headers: Record<string, string> = {}): Promise<any> {
  // node:http, not fetch: this test process is not traced, but keep it free of any undici globals too.
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(body)) : reject(new Error(`${res.statusCode}: ${body}`))));
      })
      .on('error', reject);
  });
}

async function stop(app: App): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  const exited = once(app.child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  app.child.kill('SIGTERM');
  const [code, signal] = await exited;
  return { code, signal };
}

const B3_TRACE_ID = '463ac35c9f6413ad48485a3953bb6124';
const B3_SPAN_ID = 'a2fb4a1d1a96d312';

let receiver: Awaited<ReturnType<typeof startReceiver>>;
let appA: App;
let appB: App;
let exits: { a: Awaited<ReturnType<typeof stop>>; b: Awaited<ReturnType<typeof stop>> };
let spansBeforeShutdown = -1;

before(async () => {
  receiver = await startReceiver();
  const common = {
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    // Batches are held for a minute: any span the receiver gets was sent by the shutdown flush.
    OTEL_BSP_SCHEDULE_DELAY: '60000',
  };
  appB = await startApp('service-b.ts', { ...common, OTEL_SERVICE_NAME: 'e2e-b' });
  appA = await startApp('service-a.ts', { ...common, OTEL_SERVICE_NAME: 'e2e-a', SERVICE_B_URL: appB.url });

  const plain = await getJson(`${appA.url}/plain`);
  assert.equal(plain.viaHttp.service, 'b');
  assert.equal(plain.viaFetch.service, 'b');
  await getJson(`${appA.url}/b3`, { 'X-B3-TraceId': B3_TRACE_ID, 'X-B3-SpanId': B3_SPAN_ID, 'X-B3-Sampled': '1' });

  // Give a too-eager exporter the chance to show itself before the shutdown.
  await new Promise((r) => setTimeout(r, 300));
  spansBeforeShutdown = receiver.spans.length;
  exits = { a: await stop(appA), b: await stop(appB) };
});

after(async () => {
  for (const app of [appA, appB]) if (app && app.child.exitCode === null && app.child.signalCode === null) app.child.kill('SIGKILL');
  await receiver?.close();
});

function serverSpan(service: string, path: string): ReceivedSpan {
  const found = receiver.spans.find(
    (s) => s.service === service && s.kind === SERVER && (s.attributes['url.path'] === path || s.attributes['http.target'] === path),
  );
  assert.ok(found, `no server span for ${service} ${path} among ${JSON.stringify(receiver.spans, null, 1)}`);
  return found;
}

test('spans are flushed on SIGTERM and the process still ends by SIGTERM', () => {
  assert.equal(spansBeforeShutdown, 0, 'spans were exported before shutdown: the flush is not what is being tested');
  assert.ok(receiver.spans.length >= 8, `expected at least 8 spans, got ${receiver.spans.length}`);
  assert.deepEqual(exits.a, { code: null, signal: 'SIGTERM' }, appA.output.join(''));
  assert.deepEqual(exits.b, { code: null, signal: 'SIGTERM' }, appB.output.join(''));
});

test('service names come from OTEL_SERVICE_NAME', () => {
  assert.deepEqual([...new Set(receiver.spans.map((s) => s.service))].sort(), ['e2e-a', 'e2e-b']);
});

test('one trace spans both processes, and B’s server spans are children of A’s client spans', () => {
  const root = serverSpan('e2e-a', '/plain');
  assert.equal(root.parentSpanId, '', 'the request from the test carried no context: A starts the trace');
  const trace = receiver.spans.filter((s) => s.traceId === root.traceId);
  const clients = trace.filter((s) => s.service === 'e2e-a' && s.kind === CLIENT);
  assert.equal(clients.length, 2, 'one http.request and one fetch client span');
  for (const client of clients) assert.equal(client.parentSpanId, root.spanId);

  for (const path of ['/via-http', '/via-fetch']) {
    const bServer = trace.find(
      (s) => s.service === 'e2e-b' && s.kind === SERVER && (s.attributes['url.path'] ?? s.attributes['http.target']) === path,
    );
    assert.ok(bServer, `B has no server span for ${path} in trace ${root.traceId}`);
    const parent = clients.find((c) => c.spanId === bServer.parentSpanId);
    assert.ok(parent, `B's ${path} server span is not a child of one of A's client spans`);
  }
  // One client span comes from the http instrumentation, the fetch one from undici's.
  assert.deepEqual(clients.map((c) => c.scope).sort(), ['@opentelemetry/instrumentation-http', '@opentelemetry/instrumentation-undici']);
});

test('a request carrying only B3 headers keeps its trace ID through both processes', () => {
  const root = serverSpan('e2e-a', '/b3');
  assert.equal(root.traceId, B3_TRACE_ID);
  assert.equal(root.parentSpanId, B3_SPAN_ID);
  const inB = receiver.spans.filter((s) => s.service === 'e2e-b' && s.traceId === B3_TRACE_ID);
  assert.equal(inB.length, 2, 'both calls from A to B continue the B3 trace (propagated as W3C)');
});
