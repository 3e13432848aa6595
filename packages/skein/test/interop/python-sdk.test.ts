/**
 * The official OpenTelemetry Python SDK (pinned in python/requirements.txt) exports a trace to a real
 * Skein over OTLP/HTTP protobuf and over OTLP/gRPC; `?format=otlp` must return every field exactly as
 * the SDK held it. Needs `.ci/install-interop.sh` (skips locally without it, fails on CI).
 */
import { describeSdkRoundTrip, PYTHON, PYTHON_CLIENT, runClient } from './interop-support.js';

describeSdkRoundTrip('python', [
  {
    protocol: 'http',
    run: (skein) =>
      runClient(PYTHON, [PYTHON_CLIENT, 'export', '--protocol', 'http', '--endpoint', skein.otlpHttpUrl, '--service', 'python-http']),
  },
  {
    protocol: 'grpc',
    run: (skein) =>
      runClient(PYTHON, [
        PYTHON_CLIENT,
        'export',
        '--protocol',
        'grpc',
        '--endpoint',
        `http://127.0.0.1:${skein.ports.otlpGrpc}`,
        '--service',
        'python-grpc',
      ]),
  },
]);
