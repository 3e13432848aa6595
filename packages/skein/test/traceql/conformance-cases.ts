import type { TraceName } from './traceql-dataset.js';

/**
 * TraceQL conformance cases written from Grafana Tempo's public TraceQL documentation: each
 * documented example and operator (or, where the documented one matches nothing here, a variant
 * on this data set), with the exact traces it selects in traceql-dataset.ts and, where the
 * operator decides which spans are returned, the exact matched span IDs (last 3 hex digits).
 */
export interface ConformanceCase {
  query: string;
  traces: TraceName[];
  /** Per trace, the union of its matched spans' IDs (suffixes), sorted. */
  spans?: Partial<Record<TraceName, string[]>>;
  /** Spansets per trace, when a pipeline groups. */
  spansets?: Partial<Record<TraceName, number>>;
}

const ALL: TraceName[] = ['checkout-ok', 'checkout-error', 'staging-products', 'slow-batch', 'no-root'];

export const CONFORMANCE_CASES: ConformanceCase[] = [
  // Spanset filters and the documented examples
  { query: '{ }', traces: ALL },
  { query: '{ span.http.status_code >= 200 && span.http.status_code < 300 } | count() > 2', traces: [] },
  {
    query: '{ span.http.status_code >= 200 && span.http.status_code < 300 } | count() > 1',
    traces: ['checkout-ok'],
    spans: { 'checkout-ok': ['101', '102'] },
  },
  { query: '{resource.service.name = "frontend" && name = "POST /api/orders"}', traces: ['checkout-ok', 'checkout-error'] },
  {
    query:
      '{\n  resource.service.namespace = "ecommerce" &&\n  resource.service.name = "frontend" &&\n  resource.deployment.environment = "production" &&\n  name = "POST /api/orders"\n}',
    traces: ['checkout-ok', 'checkout-error'],
  },
  { query: '{ resource.service.name="frontend" && name = "POST /api/orders" && status = error }', traces: ['checkout-error'] },
  {
    query: '{ resource.service.name="frontend" && name = "POST /api/orders" && span.http.status_code >= 500 }',
    traces: ['checkout-error'],
  },
  {
    query: '{span.service.name="frontend" && name = "GET /api/products/{id}"} && {span.db.system="postgresql"}',
    traces: ['staging-products'],
    spans: { 'staging-products': ['301', '303'] },
  },
  { query: '{ resource.deployment.environment = "production" } && { resource.deployment.environment = "staging" }', traces: [] },
  { query: '{ resource.deployment.environment = "production" } && { span.http.status_code = 200 }', traces: ['checkout-ok'] },
  { query: '{ span.http.method = "GET" && status = ok } && { span.http.method = "DELETE" && status != ok }', traces: [] },
  {
    query: '{ span.http.method = "GET" && status = ok } || { span.http.method = "DELETE" && status != ok }',
    traces: ['checkout-ok', 'checkout-error'],
  },
  { query: '{ resource.deployment.environment =~ "prod-.*" && span.http.status_code = 200 }', traces: [] },
  { query: '{ resource.deployment.environment =~ "prod.*" && span.http.status_code = 200 }', traces: ['checkout-ok'] },
  { query: '{ trace:duration > 5s }', traces: ['slow-batch'] },
  { query: '{ resource.deployment.environment = "production" && trace:duration > 2s } | count() > 30', traces: [] },
  { query: '{ resource.deployment.environment = "production" && trace:duration > 100ms }', traces: ['checkout-error'] },
  { query: '{ resource.k8s.cluster.name="service-name" && trace:rootName !~ ".*perf.*"}', traces: [] },
  { query: '{ resource.service.name = "frontend" && trace:rootName !~ ".*orders.*" }', traces: ['staging-products'] },
  { query: '{ span.http.method = "GET" }', traces: ['checkout-ok'] },
  { query: '{ resource.deployment.environment = "production" }', traces: ['checkout-ok', 'checkout-error'] },
  { query: '{ span.db.system =~ "postgresql|mysql" }', traces: ['checkout-ok', 'checkout-error', 'staging-products'] },
  { query: '{ event.exception.message =~ ".*something went wrong.*" }', traces: ['checkout-error'], spans: { 'checkout-error': ['202'] } },
  { query: '{ link.opentracing.ref_type = "child_of" }', traces: ['staging-products'] },
  { query: '{ instrumentation.language = "java" }', traces: ['slow-batch'] },
  // Arrays
  { query: '{ span.foo = "bar" }', traces: ['staging-products'] },
  { query: '{ span.foo != "bar" }', traces: [] },
  { query: '{ span.foo != "qux" }', traces: ['staging-products'] },
  { query: '{ span.foo =~ "ba.*" }', traces: ['staging-products'] },
  { query: '{ span.foo !~ "b.*" }', traces: [] },
  // Intrinsics, scoped and unscoped
  { query: '{ span:status = ok }', traces: ['checkout-ok'] },
  { query: '{ span:statusMessage = "card declined" }', traces: ['checkout-error'] },
  { query: '{ statusMessage = "deadlock" }', traces: ['checkout-error'] },
  { query: '{ span:duration > 100ms }', traces: ['checkout-error', 'slow-batch'] },
  { query: '{ duration > 2 * 50ms }', traces: ['checkout-error', 'slow-batch'] },
  { query: '{ span:name = "GetProduct" }', traces: ['staging-products'] },
  { query: '{ span:kind = server }', traces: ['checkout-ok', 'checkout-error', 'staging-products'] },
  { query: '{ kind = consumer }', traces: ['no-root'] },
  { query: '{ span:id = "0000000000000302" }', traces: ['staging-products'], spans: { 'staging-products': ['302'] } },
  { query: '{ span:parentID = "0000000000000401" } | count() = 12', traces: ['slow-batch'] },
  { query: '{ span:childCount = 0 }', traces: ALL },
  {
    query: '{ resource.service.name = "frontend" && span:childCount = 0 }',
    traces: ['staging-products'],
    spans: { 'staging-products': ['304'] },
  },
  { query: '{ span:childCount > 10 }', traces: ['slow-batch'] },
  { query: '{ trace:rootName = "nightly job" }', traces: ['slow-batch'] },
  { query: '{ rootName = "nightly job" && rootServiceName = "batch" && traceDuration > 5s }', traces: ['slow-batch'] },
  { query: '{ trace:rootService = "frontend" }', traces: ['checkout-ok', 'checkout-error', 'staging-products'] },
  { query: '{ trace:rootName = nil }', traces: ['no-root'] },
  { query: '{ trace:id = "00000000000000000000000000000a05" }', traces: ['no-root'] },
  { query: '{ event:name = "exception" }', traces: ['checkout-error'] },
  { query: '{ event:timeSinceStart > 1ms }', traces: ['checkout-error'] },
  { query: '{ event:timeSinceStart > 2ms }', traces: [] },
  { query: '{ link:traceID = "00000000000000000000000000000a01" }', traces: ['staging-products'] },
  { query: '{ link:spanID = "0000000000000101" }', traces: ['staging-products'] },
  { query: '{ instrumentation:name = "grpc" && instrumentation:version = "1.2.0" }', traces: ['slow-batch'] },
  // Unscoped attributes: the span's, else the resource's
  { query: '{ .http.method = "POST" }', traces: ['checkout-ok'] },
  { query: '{ .deployment.environment = "staging" }', traces: ['staging-products'] },
  { query: '{ .service.name = "frontend" && name = "cache lookup" }', traces: ['staging-products'] },
  // Quoted attribute names
  { query: '{ span."http.method" = "POST" }', traces: ['checkout-ok'] },
  { query: '{ span.http."method" = "POST" }', traces: ['checkout-ok'] },
  // Literals, types and nil
  { query: '{ span.retry_count > -1 }', traces: [] },
  { query: '{ span.http.status_code > -1 }', traces: ['checkout-ok', 'checkout-error', 'staging-products'] },
  {
    query: '{ span.http.status_code != minInt && span.http.status_code != maxInt }',
    traces: ['checkout-ok', 'checkout-error', 'staging-products'],
  },
  { query: '{ span.ratio > 0.2 }', traces: ['staging-products'] },
  { query: '{ span.ratio > 0.25 }', traces: [] },
  { query: '{ span.cache.hit = true }', traces: ['staging-products'] },
  { query: '{ span.cache.hit != false && span.cache.hit != nil }', traces: ['staging-products'] },
  { query: '{ span.http.status_code = "200" }', traces: ['no-root'] },
  { query: '{ span.http.status_code = 200 }', traces: ['checkout-ok', 'staging-products'] },
  { query: '{ span.http.status_code >= "100" }', traces: ['no-root'] },
  { query: '{ span.db.system = nil && resource.service.name = "cart-db" }', traces: [] },
  { query: '{ span.db.system != nil }', traces: ['checkout-ok', 'checkout-error', 'staging-products'] },
  { query: '{ resource.service.version = nil }', traces: ALL },
  { query: '{ event.exception.message = nil }', traces: ALL },
  // Comparison and logical operators
  { query: '{ span.http.status_code >= 400 && span.http.status_code < 500 }', traces: [] },
  { query: '{ span.http.method =~ "DELETE|GET" }', traces: ['checkout-ok', 'checkout-error'] },
  { query: '{ span.http.method = "DELETE" && status != ok }', traces: ['checkout-error'] },
  { query: '{ name = "step 1" || name = "orphan op" }', traces: ['slow-batch', 'no-root'] },
  { query: '{ name =~ "(?i)select.*" }', traces: ['checkout-ok', 'staging-products'] },
  { query: '{ !(status = error) && resource.service.name = "payment" }', traces: [] },
  { query: '{ !(span.http.method = "POST") && name = "POST /api/orders" }', traces: ['checkout-error'] },
  // Spanset operators
  { query: '{ resource.cloud.region = "us-east-1" } && { resource.cloud.region = "us-west-1" }', traces: [] },
  { query: '{ resource.cloud.region = "us-east-1" && resource.cloud.region = "us-west-1" }', traces: [] },
  {
    query: '{ resource.cloud.region = "us-east-1" } || { resource.cloud.region = "us-west-1" }',
    traces: ['checkout-ok', 'checkout-error', 'staging-products'],
  },
  { query: '{ resource.cloud.region =~ "us-east-1|us-west-1" }', traces: ['checkout-ok', 'checkout-error', 'staging-products'] },
  // Structural operators
  {
    query: '{ resource.service.name="frontend" } >> { status = error }',
    traces: ['checkout-error'],
    spans: { 'checkout-error': ['202', '203'] },
  },
  {
    query: '{ } !< { resource.service.name = "productcatalogservice" }',
    traces: ['staging-products'],
    spans: { 'staging-products': ['303'] },
  },
  {
    query: '{ resource.service.name = "productcatalogservice" } ~ { resource.service.name="frontend" }',
    traces: ['staging-products'],
    spans: { 'staging-products': ['304'] },
  },
  {
    query: '{ span.http.url = "/path/of/api" } >> { span.db.name = "db-shard-001" }',
    traces: ['checkout-ok'],
    spans: { 'checkout-ok': ['103'] },
  },
  { query: '{ span.http.url = "/path/of/api" && status = error } &>> { status = error }', traces: [] },
  {
    query: '{ name = "POST /api/orders" && status = error } &>> { status = error }',
    traces: ['checkout-error'],
    spans: { 'checkout-error': ['201', '202', '203'] },
  },
  { query: '{ } !< { resource.service.name = "frontend" }', traces: ['staging-products'], spans: { 'staging-products': ['304'] } },
  { query: '{ status = error } !< { status = error }', traces: ['checkout-error'], spans: { 'checkout-error': ['203'] } },
  { query: '{ name = "charge" } > { name = "INSERT payment" }', traces: ['checkout-error'], spans: { 'checkout-error': ['203'] } },
  { query: '{ name = "INSERT payment" } < { name = "charge" }', traces: ['checkout-error'], spans: { 'checkout-error': ['202'] } },
  { query: '{ name = "INSERT payment" } << { kind = server }', traces: ['checkout-error'], spans: { 'checkout-error': ['201'] } },
  { query: '{ name = "SELECT product" } << { }', traces: ['staging-products'], spans: { 'staging-products': ['301', '302'] } },
  {
    query: '{ resource.service.name = "frontend" } !> { }',
    traces: ALL,
    spans: { 'staging-products': ['301', '303'], 'checkout-ok': ['101', '103'] },
  },
  { query: '{ name = "GetProduct" } !>> { name = "SELECT product" }', traces: [] },
  {
    query: '{ name = "GetProduct" } !~ { resource.service.name = "frontend" }',
    traces: ['checkout-ok', 'checkout-error', 'staging-products'],
    spans: { 'staging-products': ['301'] },
  },
  { query: '{ name = "SELECT cart" } !<< { }', traces: ALL, spans: { 'checkout-ok': ['103'] } },
  {
    query: '{ name = "GetProduct" } &~ { name = "cache lookup" }',
    traces: ['staging-products'],
    spans: { 'staging-products': ['302', '304'] },
  },
  { query: '{ name = "charge" } &> { name = "INSERT payment" }', traces: ['checkout-error'], spans: { 'checkout-error': ['202', '203'] } },
  { query: '{ name = "INSERT payment" } &< { name = "charge" }', traces: ['checkout-error'], spans: { 'checkout-error': ['202', '203'] } },
  { query: '{ name = "SELECT cart" } &<< { kind = server }', traces: ['checkout-ok'], spans: { 'checkout-ok': ['101', '103'] } },
  // Aggregators, grouping, pipelines
  { query: 'count() > 10', traces: ['slow-batch'] },
  { query: 'avg(duration) > 20ms', traces: ['checkout-ok', 'checkout-error', 'slow-batch'] },
  { query: '{ span.http.status_code = 200 } | count() > 3', traces: [] },
  { query: '{ } | sum(span.bytesProcessed) > 1000000000', traces: ['slow-batch'] },
  { query: '{ } | max(duration) > 5s', traces: ['slow-batch'] },
  { query: '{ } | min(span:duration) < 2ms', traces: ['staging-products', 'no-root'] },
  { query: '{ } | sum(span.bytesProcessed) / count() > 50000000', traces: ['slow-batch'] },
  { query: '{ status = error } | by(resource.service.name) | count() > 1', traces: [] },
  {
    query: '{ } | by(resource.service.name) | count() > 1',
    traces: ['staging-products', 'slow-batch', 'no-root'],
    spansets: { 'staging-products': 2, 'slow-batch': 1 },
  },
  {
    query: '{ } | by(resource.service.name) | count() > 1 | coalesce()',
    traces: ['staging-products', 'slow-batch', 'no-root'],
    spansets: { 'staging-products': 1 },
  },
  { query: '({ status = error } | count() > 2) && { name = "charge" }', traces: ['checkout-error'] },
  { query: '{ status = error } | { name = "charge" }', traces: ['checkout-error'], spans: { 'checkout-error': ['202'] } },
  { query: '{ span.http.request_content_length > 10 * 1024 * 1024 }', traces: [] },
  { query: '{ span.bytesProcessed > 10 * 1024 * 1024 }', traces: ['slow-batch'] },
  { query: '{ span.http.status_code = 200 } | select(resource.service.name)', traces: ['checkout-ok', 'staging-products'] },
  { query: '{ status = error } | select(span.http.status_code, span.http.url)', traces: ['checkout-error'] },
  // Hints
  { query: '{} with (most_recent=true)', traces: ALL },
  { query: '{ span.foo = "bar" } >> { status = error } with (most_recent=true)', traces: [] },
];
