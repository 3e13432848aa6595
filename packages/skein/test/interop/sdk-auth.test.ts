/**
 * The Python and Go OpenTelemetry SDK exporters, configured the way an application configures them
 * (OTEL_EXPORTER_OTLP_HEADERS for the token, OTEL_EXPORTER_OTLP_CERTIFICATE / _CLIENT_CERTIFICATE /
 * _CLIENT_KEY for TLS), send to a Skein with tokens and mTLS over OTLP/HTTP and OTLP/gRPC; their
 * spans land in the token's tenant only, and without the header the export fails (issue 14, item 7).
 * Needs `.ci/install-interop.sh` (skips locally without it, fails on CI).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { validateConfig } from '../../src/cli/config.js';
import { createLogger } from '../../src/cli/logger.js';
import { startSkein, type RunningSkein } from '../../src/cli/start-skein.js';
import { callWith, makePki, sha256Hex, type TestPki } from '../security/security-support.js';
import { makeTempDir, removeDir } from '../support/skein-process.js';
import { GO_CLIENT, interopSkip, PYTHON, PYTHON_CLIENT, requireClients, runClient } from './interop-support.js';

const TOKENS = { sdk: 'interop-sdk-token', other: 'interop-other-token' };
const CLIENT_TIMEOUT_MILLIS = 45_000;

describe('SDK exporters with a token header over mTLS', { skip: interopSkip(['python', 'go']) }, () => {
  let dir: string;
  let pki: TestPki;
  let skein: RunningSkein;

  before(async () => {
    requireClients(['python', 'go']);
    dir = makeTempDir('skein-sdk-auth-');
    pki = makePki(dir);
    const config = validateConfig(
      {
        receivers: { otlp: { protocols: { grpc: { endpoint: '127.0.0.1:0' }, http: { endpoint: '127.0.0.1:0' } } }, zipkin: null },
        extensions: { query: { endpoint: '127.0.0.1:0' }, tempo: null, sampling: null },
        storage: { data_dir: join(dir, 'data') },
        security: {
          auth: {
            tokens: [
              { name: 'sdk', sha256: sha256Hex(TOKENS.sdk), tenant: 'sdk-team' },
              { name: 'other', sha256: sha256Hex(TOKENS.other), tenant: 'other-team' },
            ],
          },
          tls: { cert_file: pki.serverCertFile, key_file: pki.serverKeyFile, client_ca_file: pki.caFile },
        },
        service: { telemetry: { metrics: { address: '127.0.0.1:0' } } },
      },
      'test',
    );
    skein = await startSkein(config, 'all-in-one', createLogger({ write: () => undefined }));
  });

  after(async () => {
    try {
      await skein?.stop();
    } finally {
      if (dir) removeDir(dir);
    }
  });

  const tlsEnv = (token: string | undefined): Record<string, string> => ({
    ...(token !== undefined && { OTEL_EXPORTER_OTLP_HEADERS: `Authorization=Bearer%20${token}` }),
    OTEL_EXPORTER_OTLP_CERTIFICATE: pki.caFile,
    OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE: join(pki.dir, 'client.crt'),
    OTEL_EXPORTER_OTLP_CLIENT_KEY: join(pki.dir, 'client.key'),
    // `requests` (the Python HTTP exporter's transport) lets these override the CA the exporter
    // sets on its session (psf/requests#3829); this machine and CI set them to the system CAs.
    REQUESTS_CA_BUNDLE: '',
    CURL_CA_BUNDLE: '',
  });
  const clients = (service: string) =>
    ({
      'python http': [
        PYTHON,
        [
          PYTHON_CLIENT,
          'export',
          '--protocol',
          'http',
          '--endpoint',
          `https://127.0.0.1:${skein.ports['otlpHttp']}/v1/traces`,
          '--service',
          service,
        ],
      ],
      'python grpc': [
        PYTHON,
        [PYTHON_CLIENT, 'export', '--protocol', 'grpc', '--endpoint', `https://127.0.0.1:${skein.ports['otlpGrpc']}`, '--service', service],
      ],
      'go http': [
        GO_CLIENT,
        ['export', '-protocol', 'http', '-tls', '-endpoint', `127.0.0.1:${skein.ports['otlpHttp']}`, '-service', service],
      ],
      'go grpc': [
        GO_CLIENT,
        ['export', '-protocol', 'grpc', '-tls', '-endpoint', `127.0.0.1:${skein.ports['otlpGrpc']}`, '-service', service],
      ],
    }) as const satisfies Record<string, readonly [string, string[]]>;
  const services = async (token: string): Promise<string> => {
    const answer = await callWith(pki, skein.ports['query']!, '/api/v1/services', { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(answer.status, 200, answer.body);
    return answer.body;
  };

  for (const name of ['python http', 'python grpc', 'go http', 'go grpc'] as const) {
    test(`${name}: exports with the token and lands in its tenant only; without the header the export fails`, async () => {
      const service = `${name.replace(' ', '-')}-auth`;
      const [command, args] = clients(service)[name];
      const report = await runClient(command, args, CLIENT_TIMEOUT_MILLIS, tlsEnv(TOKENS.sdk));
      assert.ok(report.spans.length >= 4, `${name} exported ${report.spans.length} spans`);
      assert.match(await services(TOKENS.sdk), new RegExp(service));
      assert.doesNotMatch(await services(TOKENS.other), new RegExp(service));

      const [, refusedArgs] = clients(`${service}-refused`)[name];
      await assert.rejects(runClient(command, refusedArgs, CLIENT_TIMEOUT_MILLIS, tlsEnv(undefined)), /exited with 1/);
      assert.doesNotMatch(await services(TOKENS.sdk), new RegExp(`${service}-refused`));
    });
  }
});
