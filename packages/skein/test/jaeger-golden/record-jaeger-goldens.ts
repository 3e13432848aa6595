/**
 * Records what a real Jaeger v2 answers to GOLDEN_REQUESTS for dataset.otlp.json, as the golden
 * files under goldens/ that jaeger-golden.test.ts holds Skein to. Run by hand, never in CI (the
 * goldens are committed):
 *
 *   cd packages/skein && node --import tsx test/jaeger-golden/record-jaeger-goldens.ts /work/peers/jaeger/bin/jaeger
 *   npx prettier --write test/jaeger-golden/goldens
 *
 * The binary is Jaeger v1.75.0 built from the Go module proxy
 * (`GOPROXY=https://proxy.golang.org go install github.com/jaegertracing/jaeger/cmd/jaeger@v1.75.0`).
 * It runs with memory storage, every listener on 127.0.0.1 free ports, its own metrics off.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GOLDEN_REQUESTS, requestInit } from './golden-requests.js';

const HERE = dirname(fileURLToPath(import.meta.url));

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

function jaegerConfig(ports: Record<string, number>): string {
  return `service:
  extensions: [jaeger_storage, jaeger_query]
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch]
      exporters: [jaeger_storage_exporter]
  telemetry:
    metrics:
      level: none
    logs:
      level: warn
extensions:
  jaeger_query:
    storage:
      traces: memstore
    http:
      endpoint: 127.0.0.1:${ports['query']}
    grpc:
      endpoint: 127.0.0.1:${ports['queryGrpc']}
  jaeger_storage:
    backends:
      memstore:
        memory:
          max_traces: 1000
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:${ports['otlpHttp']}
processors:
  batch:
    timeout: 50ms
exporters:
  jaeger_storage_exporter:
    trace_storage: memstore
`;
}

async function waitFor(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function main(): Promise<void> {
  const binary = process.argv[2];
  if (binary === undefined) throw new Error('usage: record-jaeger-goldens.ts <path to the jaeger binary>');
  const ports = { query: await freePort(), queryGrpc: await freePort(), otlpHttp: await freePort() };
  const dir = mkdtempSync(join(tmpdir(), 'jaeger-golden-'));
  const configPath = join(dir, 'config.yaml');
  writeFileSync(configPath, jaegerConfig(ports));
  // Jaeger's own traces would go to 127.0.0.1:4317: the OpenTelemetry SDK switch turns them off.
  const child = spawn(binary, ['--config', configPath], { stdio: 'ignore', env: { ...process.env, OTEL_SDK_DISABLED: 'true' } });
  try {
    const query = `http://127.0.0.1:${ports.query}`;
    await waitFor(async () => (await fetch(`${query}/api/services`)).ok, 'the query port');
    const sent = await fetch(`http://127.0.0.1:${ports.otlpHttp}/v1/traces`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: readFileSync(join(HERE, 'dataset.otlp.json')),
    });
    if (!sent.ok) throw new Error(`OTLP export answered ${sent.status}: ${await sent.text()}`);
    await waitFor(async () => {
      const body = (await (await fetch(`${query}/api/services`)).json()) as { data: string[] | null };
      return (body.data ?? []).length === 3;
    }, 'the dataset to be stored');
    const out = join(HERE, 'goldens');
    mkdirSync(out, { recursive: true });
    for (const request of GOLDEN_REQUESTS) {
      const response = await fetch(`${query}${request.path}`, requestInit(request));
      const text = await response.text();
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
      const golden = {
        ...(request.method !== undefined && { method: request.method }),
        path: request.path,
        status: response.status,
        contentType: response.headers.get('content-type'),
        body,
      };
      writeFileSync(join(out, `${request.name}.json`), `${JSON.stringify(golden, null, 2)}\n`);
      console.log(`${response.status} ${request.name}`);
    }
  } finally {
    child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
