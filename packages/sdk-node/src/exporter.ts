import { createRequire } from 'node:module';
import type { SpanExporter } from '@opentelemetry/sdk-trace';
import type * as GrpcExporter from '@opentelemetry/exporter-trace-otlp-grpc';
import type * as JsonExporter from '@opentelemetry/exporter-trace-otlp-http';
import type * as ProtoExporter from '@opentelemetry/exporter-trace-otlp-proto';
import type { OtlpProtocol } from './options.js';

// Loaded on demand so an app pays only for the transport it uses (gRPC pulls in @grpc/grpc-js).
const require = createRequire(import.meta.url);

/**
 * The official OTLP trace exporter for `protocol`, sending to `url`. The exporters themselves still
 * read the other `OTEL_EXPORTER_OTLP_*` settings (headers, compression, timeout, certificates).
 */
export function createTraceExporter(protocol: OtlpProtocol, url: string, headers: Record<string, string>): SpanExporter {
  switch (protocol) {
    case 'http/protobuf': {
      const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-proto') as typeof ProtoExporter;
      return new OTLPTraceExporter({ url, headers });
    }
    case 'http/json': {
      const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http') as typeof JsonExporter;
      return new OTLPTraceExporter({ url, headers });
    }
    case 'grpc': {
      const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-grpc') as typeof GrpcExporter;
      // gRPC carries headers as metadata; the exporter merges it over OTEL_EXPORTER_OTLP_HEADERS.
      return Object.keys(headers).length === 0
        ? new OTLPTraceExporter({ url })
        : new OTLPTraceExporter({ url, metadata: grpcMetadata(headers) });
    }
  }
}

type GrpcMetadata = NonNullable<NonNullable<ConstructorParameters<typeof GrpcExporter.OTLPTraceExporter>[0]>['metadata']>;

function grpcMetadata(headers: Record<string, string>): GrpcMetadata {
  // The Metadata class must come from the very copy of @grpc/grpc-js the exporter uses, which is
  // the exporter's dependency, not ours: resolve it along the exporter's own dependency chain.
  const fromExporter = createRequire(require.resolve('@opentelemetry/exporter-trace-otlp-grpc'));
  const fromBase = createRequire(fromExporter.resolve('@opentelemetry/otlp-grpc-exporter-base'));
  const { Metadata } = fromBase('@grpc/grpc-js') as { Metadata: new () => GrpcMetadata };
  const metadata = new Metadata();
  for (const [key, value] of Object.entries(headers)) metadata.set(key, value);
  return metadata;
}
