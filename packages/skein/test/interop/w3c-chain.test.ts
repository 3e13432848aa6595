/**
 * W3C Trace Context across three SDKs: the Python client starts a span and calls a Node HTTP server
 * (run here, OpenTelemetry JS with the W3C propagator), which continues the trace and calls the Go
 * client's HTTP server, which continues it again. All three export to one Skein (Python over OTLP/HTTP,
 * Node over OTLP/HTTP protobuf, Go over OTLP/gRPC); Skein must hold one trace with the parent chain
 * python-client → node-server → node-client → go-server. Needs `.ci/install-interop.sh`.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { createInterface } from 'node:readline';
import type { AddressInfo } from 'node:net';
import { propagation, ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import { NodeTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-node';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { removeDir, startSkein, type SkeinProcess } from '../support/skein-process.js';
import {
  fetchOtlpTrace,
  flattenOtlp,
  GO_CLIENT,
  interopSkip,
  PYTHON,
  PYTHON_CLIENT,
  requireClients,
  runClient,
  type ClientReport,
} from './interop-support.js';

describe('W3C traceparent chain Python → Node → Go', { skip: interopSkip(['python', 'go']) }, () => {
  let skein: SkeinProcess;
  let goServer: ChildProcess;
  let goAddress = '';
  let nodeServer: Server;
  let provider: NodeTracerProvider;
  const nodeSeen: { traceparent?: string | undefined; serverSpanId?: string; clientSpanId?: string; goReport?: ClientReport } = {};

  before(async () => {
    requireClients(['python', 'go']);
    skein = await startSkein();

    goServer = spawn(GO_CLIENT, ['serve', '-protocol', 'grpc', '-endpoint', `127.0.0.1:${skein.ports.otlpGrpc}`, '-service', 'go-chain'], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    goAddress = await new Promise<string>((done, fail) => {
      const timer = setTimeout(() => fail(new Error('the Go server did not start')), 10_000);
      createInterface({ input: goServer.stdout! }).once('line', (line) => {
        clearTimeout(timer);
        done(JSON.parse(line).listening);
      });
      goServer.once('exit', (code) => fail(new Error(`the Go server exited with ${code}`)));
    });

    provider = new NodeTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'node-chain' }),
      spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url: skein.otlpHttpUrl }))],
    });
    provider.register(); // global W3C Trace Context (+ baggage) propagator and context manager
    const tracer = provider.getTracer('skein-interop-node', '1.0.0');
    nodeServer = createServer((req, res) => {
      void (async () => {
        nodeSeen.traceparent = req.headers['traceparent'] as string | undefined;
        const parent = propagation.extract(ROOT_CONTEXT, req.headers);
        const server = tracer.startSpan('node-server', { kind: SpanKind.SERVER, attributes: { 'url.path': req.url ?? '' } }, parent);
        const serverContext = trace.setSpan(parent, server);
        const client = tracer.startSpan('node-client', { kind: SpanKind.CLIENT }, serverContext);
        const headers: Record<string, string> = {};
        propagation.inject(trace.setSpan(serverContext, client), headers);
        nodeSeen.serverSpanId = server.spanContext().spanId;
        nodeSeen.clientSpanId = client.spanContext().spanId;
        try {
          const response = await fetch(`http://${goAddress}/inventory`, { headers });
          nodeSeen.goReport = (await response.json()) as ClientReport;
          client.setAttribute('http.response.status_code', response.status);
          client.end();
          server.end();
          await provider.forceFlush();
          res.writeHead(response.ok ? 200 : 502, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ go: nodeSeen.goReport }));
        } catch (error) {
          client.end();
          server.end();
          res.writeHead(500).end(String(error));
        }
      })();
    });
    await new Promise<void>((done) => nodeServer.listen(0, '127.0.0.1', done));
  });

  after(async () => {
    nodeServer?.close();
    await provider?.shutdown();
    if (goServer && goServer.exitCode === null) {
      const exited = new Promise((done) => goServer.once('exit', done));
      goServer.kill('SIGTERM');
      await exited;
    }
    if (skein) {
      const code = await skein.stop();
      assert.equal(code, 0, `skein exited with ${code}:\n${skein.logs.join('\n')}`);
      removeDir(skein.dataDir);
    }
  });

  test('one trace with the parent chain python-client → node-server → node-client → go-server', async () => {
    const nodePort = (nodeServer.address() as AddressInfo).port;
    const python = await runClient(PYTHON, [
      PYTHON_CLIENT,
      'chain',
      '--protocol',
      'http',
      '--endpoint',
      skein.otlpHttpUrl,
      '--service',
      'python-chain',
      '--downstream',
      `http://127.0.0.1:${nodePort}/checkout`,
    ]);
    assert.equal(python.spans.length, 1);
    const pythonSpan = python.spans[0]!;
    const traceId = pythonSpan.traceId;
    assert.equal(pythonSpan.parentSpanId, '');
    // version 00, sampled (01); the Python SDK may also set W3C level 2's random-trace-ID flag (02).
    const sentByPython = (python['sentHeaders'] as Record<string, string>)['traceparent'];
    assert.match(sentByPython ?? '', new RegExp(`^00-${traceId}-${pythonSpan.spanId}-0[13]$`));
    assert.equal(nodeSeen.traceparent, sentByPython, 'Node received the Python traceparent');

    const goReport = nodeSeen.goReport!;
    assert.ok(goReport, 'Node called the Go server');
    assert.match(
      String(goReport['receivedTraceparent']),
      new RegExp(`^00-${traceId}-${nodeSeen.clientSpanId}-0[13]$`),
      'Go got Node’s traceparent',
    );
    assert.equal(goReport.spans.length, 1);
    assert.equal(goReport.spans[0]!.traceId, traceId);
    assert.equal(goReport.spans[0]!.parentSpanId, nodeSeen.clientSpanId);

    const stored = flattenOtlp(await fetchOtlpTrace(skein, traceId, 4));
    assert.equal(stored.length, 4, stored.map((s) => s.span['name']).join(', '));
    const byName = new Map(stored.map((s) => [s.span['name'] as string, s]));
    const chain = [
      { name: 'python-client', service: 'python-chain', kind: SpanKind.CLIENT + 1, parent: '', spanId: pythonSpan.spanId },
      { name: 'node-server', service: 'node-chain', kind: SpanKind.SERVER + 1, parent: pythonSpan.spanId, spanId: nodeSeen.serverSpanId },
      {
        name: 'node-client',
        service: 'node-chain',
        kind: SpanKind.CLIENT + 1,
        parent: nodeSeen.serverSpanId,
        spanId: nodeSeen.clientSpanId,
      },
      {
        name: 'go-server',
        service: 'go-chain',
        kind: SpanKind.SERVER + 1,
        parent: nodeSeen.clientSpanId,
        spanId: goReport.spans[0]!.spanId,
      },
    ];
    for (const link of chain) {
      const span = byName.get(link.name);
      assert.ok(span, `${link.name} is in the trace`);
      assert.equal(span.span['traceId'], traceId, `${link.name} trace ID`);
      assert.equal(span.span['spanId'], link.spanId, `${link.name} span ID`);
      assert.equal(span.span['parentSpanId'], link.parent, `${link.name} parent`);
      assert.equal(span.span['kind'], link.kind, `${link.name} kind`);
      const service = (span.resource.attributes as any[]).find((a) => a.key === 'service.name')?.value;
      assert.deepEqual(service, { stringValue: link.service }, `${link.name} service`);
    }
    // Spans that continue a remote parent say so in their flags (HAS_IS_REMOTE | IS_REMOTE).
    assert.equal(Number(byName.get('go-server')!.span['flags']) & 0x300, 0x300);
  });
});
