/**
 * TLS from Skein to a ClickHouse server: a real clickhouse-server behind a TLS-terminating proxy
 * whose certificate comes from the test's own CA. With `storage.tls.ca_file` the store opens;
 * without it the unknown CA is refused (never silently accepted).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { createServer as createHttpsServer, type Server } from 'node:https';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { validateConfig } from '../../src/cli/config.js';
import { createLogger } from '../../src/cli/logger.js';
import { startSkein } from '../../src/cli/start-skein.js';
import { findClickHouseServer, startClickHouseServer } from '../support/clickhouse-server.js';
import { makeTempDir, removeDir } from '../support/skein-process.js';
import { makePki } from './security-support.js';

const binary = findClickHouseServer();

test(
  'storage.tls: an https ClickHouse server signed by the configured CA is used; an unknown CA is refused',
  { skip: binary === undefined && 'clickhouse-server is not installed' },
  async () => {
    const dir = makeTempDir('skein-ch-tls-');
    const clickhouse = await startClickHouseServer(binary!);
    const target = new URL(clickhouse.url);
    let proxy: Server | undefined;
    try {
      const pki = makePki(dir);
      proxy = createHttpsServer({ cert: readFileSync(pki.serverCertFile), key: readFileSync(pki.serverKeyFile) }, (request, response) => {
        const upstream = httpRequest(
          { host: target.hostname, port: target.port, path: request.url, method: request.method, headers: request.headers },
          (answer) => {
            response.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(response);
          },
        );
        upstream.on('error', () => response.destroy());
        request.pipe(upstream);
      });
      await new Promise<void>((done) => proxy!.listen(0, '127.0.0.1', done));
      const url = `https://127.0.0.1:${(proxy.address() as AddressInfo).port}/`;
      const configWith = (tls: unknown) =>
        validateConfig(
          {
            receivers: { zipkin: null, otlp: { protocols: { grpc: null, http: { endpoint: '127.0.0.1:0' } } } },
            extensions: { query: { endpoint: '127.0.0.1:0' }, tempo: { endpoint: '127.0.0.1:0' } },
            storage: { engine: 'clickhouse', url, database: 'skein_tls_test', ...(tls !== undefined && { tls }) },
            service: { telemetry: { metrics: { address: null } } },
          },
          'test',
        );
      const silent = createLogger({ write: () => undefined });
      await assert.rejects(startSkein(configWith(undefined), 'all-in-one', silent), /certificate|self.signed|issuer/i);
      const running = await startSkein(configWith({ ca_file: pki.caFile }), 'all-in-one', silent);
      try {
        const services = await fetch(`http://127.0.0.1:${running.ports['query']}/api/v1/services`);
        assert.equal(services.status, 200);
      } finally {
        await running.stop();
      }
    } finally {
      await new Promise<void>((done) => (proxy ? proxy.close(() => done()) : done()));
      await clickhouse.stop();
      removeDir(dir);
    }
  },
);
