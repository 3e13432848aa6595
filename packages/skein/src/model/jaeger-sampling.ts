import { ProtoReader, WireType, MessageSchema } from './protobuf-reader.js';
import { ProtoWriter } from './protobuf-writer.js';

/**
 * Jaeger's remote sampling messages (`jaeger.api_v2`, jaeger-idl `proto/api_v2/sampling.proto`):
 * what the stock Jaeger remote samplers of the OpenTelemetry SDKs poll for. One model, two
 * encodings: proto3 JSON (HTTP, enum by name, as Jaeger's `/api/sampling` writes it) and protobuf
 * (gRPC `SamplingManager/GetSamplingStrategy`).
 */

export interface OperationStrategy {
  operation: string;
  samplingRate: number;
}

export type SamplingStrategy =
  | { type: 'probabilistic'; samplingRate: number; operations?: PerOperationStrategies }
  | { type: 'ratelimiting'; maxTracesPerSecond: number };

export interface PerOperationStrategies {
  defaultSamplingProbability: number;
  defaultLowerBoundTracesPerSecond: number;
  perOperation: OperationStrategy[];
  /** Jaeger's field 4; 0 is "not set". */
  defaultUpperBoundTracesPerSecond?: number;
}

/** `SamplingStrategyResponse` as proto3 JSON: lowerCamelCase names, the enum by name. */
export function samplingStrategyToJson(strategy: SamplingStrategy): object {
  if (strategy.type === 'ratelimiting') {
    return { strategyType: 'RATE_LIMITING', rateLimitingSampling: { maxTracesPerSecond: strategy.maxTracesPerSecond } };
  }
  const json: Record<string, unknown> = { strategyType: 'PROBABILISTIC', probabilisticSampling: { samplingRate: strategy.samplingRate } };
  if (strategy.operations !== undefined) {
    const ops = strategy.operations;
    json['operationSampling'] = {
      defaultSamplingProbability: ops.defaultSamplingProbability,
      defaultLowerBoundTracesPerSecond: ops.defaultLowerBoundTracesPerSecond,
      perOperationStrategies: ops.perOperation.map((op) => ({
        operation: op.operation,
        probabilisticSampling: { samplingRate: op.samplingRate },
      })),
      ...(ops.defaultUpperBoundTracesPerSecond !== undefined && { defaultUpperBoundTracesPerSecond: ops.defaultUpperBoundTracesPerSecond }),
    };
  }
  return json;
}

const LEN = WireType.LEN;

function tag(writer: ProtoWriter, field: number, wireType: number): void {
  writer.uint32((field << 3) | wireType);
}

function probabilistic(writer: ProtoWriter, field: number, rate: number): void {
  tag(writer, field, LEN);
  const at = writer.fork();
  // proto3 leaves a zero double out.
  if (rate !== 0) {
    tag(writer, 1, WireType.I64);
    writer.double(rate);
  }
  writer.join(at);
}

function doubleField(writer: ProtoWriter, field: number, value: number | undefined): void {
  if (value === undefined || value === 0) return;
  tag(writer, field, WireType.I64);
  writer.double(value);
}

/** `SamplingStrategyResponse` as protobuf bytes. */
export function encodeSamplingStrategy(strategy: SamplingStrategy): Uint8Array {
  const writer = new ProtoWriter(256);
  if (strategy.type === 'ratelimiting') {
    tag(writer, 1, WireType.VARINT);
    writer.uint32(1);
    tag(writer, 3, LEN);
    const at = writer.fork();
    if (strategy.maxTracesPerSecond !== 0) {
      tag(writer, 1, WireType.VARINT);
      writer.int64(BigInt(Math.trunc(strategy.maxTracesPerSecond)));
    }
    writer.join(at);
    return writer.finish();
  }
  // strategyType PROBABILISTIC is 0: left out, as proto3 does.
  probabilistic(writer, 2, strategy.samplingRate);
  if (strategy.operations !== undefined) {
    const ops = strategy.operations;
    tag(writer, 4, LEN);
    const at = writer.fork();
    doubleField(writer, 1, ops.defaultSamplingProbability);
    doubleField(writer, 2, ops.defaultLowerBoundTracesPerSecond);
    for (const op of ops.perOperation) {
      tag(writer, 3, LEN);
      const opAt = writer.fork();
      tag(writer, 1, LEN);
      writer.string(op.operation);
      probabilistic(writer, 2, op.samplingRate);
      writer.join(opAt);
    }
    doubleField(writer, 4, ops.defaultUpperBoundTracesPerSecond);
    writer.join(at);
  }
  return writer.finish();
}

const PARAMETERS = new MessageSchema('SamplingStrategyParameters', [[1, 'serviceName', WireType.LEN]]);

/** `SamplingStrategyParameters` → its service name; throws OtlpDecodeError on malformed bytes. */
export function decodeSamplingParameters(bytes: Uint8Array): string {
  const reader = new ProtoReader(bytes);
  const end = bytes.length;
  let serviceName = '';
  while (reader.pos < end) {
    const fieldTag = reader.tag(end, PARAMETERS);
    if (fieldTag === ((1 << 3) | LEN)) serviceName = reader.string(end, 'SamplingStrategyParameters.serviceName');
    else reader.skipUnknown(fieldTag, end, PARAMETERS);
  }
  return serviceName;
}
