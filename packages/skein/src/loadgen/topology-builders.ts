import type { GeneratedValueInput as GeneratedValue, TopologyInput } from './topology.js';

/**
 * Building blocks for topologies written in TypeScript: one function per kind of span (HTTP and
 * gRPC servers with their client side, PostgreSQL, Redis, Kafka, internal work), each with the
 * OpenTelemetry semantic-convention attributes its real instrumentation records. The attribute
 * sets of one kind of span are the same everywhere, as they are in real instrumentation.
 */

export type Attrs = Record<string, GeneratedValue>;
export type OperationInput = TopologyInput['operations'][string];
export type CallInput = NonNullable<OperationInput['calls']>[number];

export const USER: GeneratedValue = { template: 'user-{n}', max: 50_000, skew: 1.5 };
export const PRODUCT: GeneratedValue = { template: '{n}', max: 20_000, skew: 2 };
export const POD_IP: GeneratedValue = { template: '10.42.{n}.17', max: 24 };

export const call = (to: string, extra: Omit<CallInput, 'to'> = {}): CallInput => ({ to, ...extra });

export function code(namespace: string, fn: string): Attrs {
  return {
    'code.namespace': namespace,
    'code.function': fn,
    'code.filepath': `src/${namespace.replace(/\./g, '/')}.ts`,
    'code.lineno': { int: [20, 400] },
  };
}

export function httpServer(
  service: string,
  method: string,
  route: string,
  path: GeneratedValue,
  options: { latency?: [number, number]; calls?: CallInput[]; extra?: Attrs; okStatus?: number } = {},
): OperationInput {
  const [median, p99] = options.latency ?? [3, 40];
  return {
    service,
    name: `${method} ${route}`,
    kind: 'server',
    scope: '@opentelemetry/instrumentation-http',
    latency: { median_ms: median, p99_ms: p99 },
    attributes: {
      'http.request.method': method,
      'http.route': route,
      'url.path': path,
      'url.scheme': 'http',
      'server.address': service,
      'server.port': 8080,
      'network.protocol.version': '1.1',
      'client.address': POD_IP,
      'user_agent.original': {
        one_of: ['Mozilla/5.0 (Windows NT 10.0; Win64; x64)', 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X)', 'okhttp/4.12.0'],
        weights: [6, 3, 1],
      },
      'http.response.status_code': options.okStatus ?? 200,
      'http.response.body.size': { int: [120, 48_000] },
      'enduser.id': USER,
      ...options.extra,
    },
    error_attributes: { 'http.response.status_code': { one_of: [500, 502, 503, 504], weights: [6, 1, 2, 1] } },
    exception_types: ['InternalServerError', 'TimeoutError', 'TypeError'],
    calls: options.calls ?? [],
    client: {
      name: method,
      attributes: {
        'http.request.method': '{http.request.method}',
        'url.full': 'http://{server.address}:8080{url.path}',
        'server.address': '{server.address}',
        'server.port': 8080,
        'network.protocol.version': '1.1',
        'network.peer.address': POD_IP,
        'network.peer.port': 8080,
        'http.response.status_code': '{http.response.status_code}',
        'http.response.body.size': '{http.response.body.size}',
      },
    },
  };
}

export function grpcServer(
  service: string,
  rpcService: string,
  method: string,
  options: { latency?: [number, number]; calls?: CallInput[]; extra?: Attrs } = {},
): OperationInput {
  const [median, p99] = options.latency ?? [1.5, 25];
  return {
    service,
    name: `${rpcService}/${method}`,
    kind: 'server',
    scope: '@opentelemetry/instrumentation-grpc',
    latency: { median_ms: median, p99_ms: p99 },
    attributes: {
      'rpc.system': 'grpc',
      'rpc.service': rpcService,
      'rpc.method': method,
      'rpc.grpc.status_code': 0,
      'server.address': service,
      'server.port': 50051,
      'network.peer.address': POD_IP,
      'network.peer.port': { int: [32_768, 60_999] },
      'network.transport': 'tcp',
      'network.type': 'ipv4',
      ...code(`${service}.grpc-handlers`, method),
      ...options.extra,
    },
    error_attributes: { 'rpc.grpc.status_code': { one_of: [2, 4, 13, 14], weights: [2, 3, 3, 2] } },
    exception_types: ['StatusRuntimeException', 'DeadlineExceeded'],
    calls: options.calls ?? [],
    client: {
      name: `${rpcService}/${method}`,
      attributes: {
        'rpc.system': 'grpc',
        'rpc.service': '{rpc.service}',
        'rpc.method': '{rpc.method}',
        'rpc.grpc.status_code': '{rpc.grpc.status_code}',
        'server.address': '{server.address}',
        'server.port': 50051,
        'network.peer.address': POD_IP,
        'network.peer.port': 50051,
        'network.transport': 'tcp',
        'network.type': 'ipv4',
      },
    },
  };
}

export function postgres(
  service: string,
  operation: string,
  table: string,
  statement: string,
  latency: [number, number] = [0.8, 15],
): OperationInput {
  return {
    service,
    name: `${operation} shop.${table}`,
    kind: 'client',
    scope: '@opentelemetry/instrumentation-pg',
    latency: { median_ms: latency[0], p99_ms: latency[1] },
    attributes: {
      'db.system': 'postgresql',
      'db.name': 'shop',
      'db.user': `${service}_rw`,
      'db.operation': operation,
      'db.sql.table': table,
      'db.statement': statement,
      'server.address': 'postgres-primary.shop.svc.cluster.local',
      'server.port': 5432,
      'network.peer.address': '10.43.0.21',
      'network.peer.port': 5432,
      'db.response.returned_rows': { int: [0, 50] },
      ...code(`${service}.repository`, `${operation.toLowerCase()}${table[0]!.toUpperCase()}${table.slice(1)}`),
    },
    exception_types: ['DatabaseError', 'QueryTimeoutError'],
  };
}

export function redis(service: string, command: string, statement: string, extra: Attrs = {}): OperationInput {
  return {
    service,
    name: command,
    kind: 'client',
    scope: '@opentelemetry/instrumentation-ioredis',
    latency: { median_ms: 0.3, p99_ms: 4 },
    attributes: {
      'db.system': 'redis',
      'db.operation': command,
      'db.statement': statement,
      'db.redis.database_index': 0,
      'server.address': 'redis-master.shop.svc.cluster.local',
      'server.port': 6379,
      'network.peer.address': '10.43.0.35',
      'network.peer.port': 6379,
      'network.transport': 'tcp',
      ...code(`${service}.cache`, command.toLowerCase()),
      ...extra,
    },
    exception_types: ['ReplyError', 'ConnectionTimeoutError'],
  };
}

export const KAFKA: Attrs = {
  'messaging.system': 'kafka',
  'server.address': 'kafka-0.kafka-headless.shop.svc.cluster.local',
  'server.port': 9092,
  'network.transport': 'tcp',
};

export function kafkaPublish(service: string, topic: string, consumer: string): OperationInput {
  return {
    service,
    name: `${topic} publish`,
    kind: 'producer',
    scope: '@opentelemetry/instrumentation-kafkajs',
    latency: { median_ms: 0.8, p99_ms: 12 },
    attributes: {
      ...KAFKA,
      'messaging.destination.name': topic,
      'messaging.operation': 'publish',
      'messaging.client_id': `${service}-producer`,
      'messaging.message.id': { template: `${topic}-{n}`, max: 1_000_000_000 },
      'messaging.kafka.message.key': USER,
      'messaging.destination.partition.id': { one_of: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11'] },
      'messaging.message.body.size': { int: [200, 4000] },
    },
    exception_types: ['KafkaJSConnectionError'],
    calls: [call(consumer, { async: true })],
  };
}

export function kafkaProcess(service: string, topic: string, calls: CallInput[]): OperationInput {
  return {
    service,
    name: `${topic} process`,
    kind: 'consumer',
    scope: '@opentelemetry/instrumentation-kafkajs',
    latency: { median_ms: 2, p99_ms: 30 },
    attributes: {
      ...KAFKA,
      'messaging.destination.name': topic,
      'messaging.operation': 'process',
      'messaging.consumer.group.name': `${service}-${topic}`,
      'messaging.client_id': `${service}-consumer`,
      'messaging.kafka.message.offset': { int: [1, 90_000_000] },
      'messaging.destination.partition.id': { one_of: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11'] },
      'messaging.message.body.size': { int: [200, 4000] },
    },
    exception_types: ['ProcessingError'],
    calls,
  };
}

export function internal(
  service: string,
  name: string,
  fn: string,
  extra: Attrs,
  latency: [number, number],
  calls: CallInput[] = [],
): OperationInput {
  return {
    service,
    name,
    kind: 'internal',
    latency: { median_ms: latency[0], p99_ms: latency[1] },
    attributes: { ...code(`${service}.${fn.split('.')[0]}`, fn), ...extra },
    exception_types: ['Error', 'RangeError'],
    calls,
  };
}

export function service(language: string, version: string, sdkVersion: string): NonNullable<TopologyInput['services']>[string] {
  return {
    instances: 3,
    attributes: {
      'service.namespace': 'shop',
      'service.version': version,
      'deployment.environment.name': 'production',
      'telemetry.sdk.name': 'opentelemetry',
      'telemetry.sdk.language': language,
      'telemetry.sdk.version': sdkVersion,
      'k8s.namespace.name': 'shop',
      'k8s.cluster.name': 'eu-west-1-prod',
      'cloud.region': 'eu-west-1',
    },
  };
}
