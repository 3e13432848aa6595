/**
 * The official OpenTelemetry Go SDK (pinned in go/go.mod) exports a trace to a real Skein over
 * OTLP/gRPC and over OTLP/HTTP protobuf; `?format=otlp` must return every field exactly as the SDK held
 * it. Needs `.ci/install-interop.sh` (skips locally without it, fails on CI).
 */
import { describeSdkRoundTrip, GO_CLIENT, runClient } from './interop-support.js';

describeSdkRoundTrip('go', [
  {
    protocol: 'grpc',
    run: (skein) =>
      runClient(GO_CLIENT, ['export', '-protocol', 'grpc', '-endpoint', `127.0.0.1:${skein.ports.otlpGrpc}`, '-service', 'go-grpc']),
  },
  {
    protocol: 'http',
    run: (skein) =>
      runClient(GO_CLIENT, ['export', '-protocol', 'http', '-endpoint', `127.0.0.1:${skein.ports.otlpHttp}`, '-service', 'go-http']),
  },
]);
