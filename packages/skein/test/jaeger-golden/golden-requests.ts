import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The requests whose answers Jaeger v1.75.0 recorded (record-jaeger-goldens.ts) and Skein must
 * repeat (jaeger-golden.test.ts), for the dataset `dataset.otlp.json` (spans from 2026-01-15T10:00Z
 * to 10:02Z). One golden file per name under `goldens/`.
 */

/** 2026-01-15T10:00:00Z, the dataset's first span start, in Unix microseconds. */
const BASE_MICROS = 1_768_471_200_000_000;
const HOUR_MICROS = 3_600_000_000;
const window = `start=${BASE_MICROS - HOUR_MICROS}&end=${BASE_MICROS + HOUR_MICROS}`;
// Jaeger v1.75.0 answers a v3 search without query.num_traces with a 500 (search depth 0; later
// versions default it to 100, as Skein does), so every recorded v3 search names its depth.
const v3Window = 'query.start_time_min=2026-01-15T09:00:00Z&query.start_time_max=2026-01-15T11:00:00Z&query.num_traces=20';
const endTsMillis = (BASE_MICROS + HOUR_MICROS) / 1000;

export const TRACE_1 = '5b8efff798038103d269b633813fc60c';
/** A trace ID whose upper 64 bits are zero: Jaeger prints it as 16 hex digits. */
export const TRACE_2 = '00000000000000000000000000abcdef';
export const TRACE_3 = '0af7651916cd43dd8448eb211c80319c';
const UNKNOWN = 'ffffffffffffffffffffffffffffffff';

export interface GoldenRequest {
  name: string;
  path: string;
  /** GET unless given. */
  method?: 'POST';
  /** The request body: the dataset file itself, or this text. */
  body?: { dataset: true } | { text: string };
}

export const GOLDEN_REQUESTS: readonly GoldenRequest[] = [
  { name: 'services', path: '/api/services' },
  { name: 'service-operations', path: '/api/services/frontend/operations' },
  { name: 'service-operations-unknown', path: '/api/services/nobody/operations' },
  { name: 'operations', path: '/api/operations?service=driver' },
  { name: 'operations-span-kind', path: '/api/operations?service=driver&spanKind=client' },
  { name: 'operations-no-service', path: '/api/operations' },
  { name: 'trace', path: `/api/traces/${TRACE_1}` },
  { name: 'trace-short-id', path: '/api/traces/abcdef' },
  { name: 'trace-long-id-form', path: `/api/traces/${TRACE_2}` },
  { name: 'trace-hints-outside', path: `/api/traces/${TRACE_3}?start=1000&end=2000` },
  { name: 'trace-unknown', path: `/api/traces/${UNKNOWN}` },
  { name: 'trace-bad-id', path: '/api/traces/xyz' },
  { name: 'trace-bad-start', path: `/api/traces/${TRACE_1}?start=yesterday` },
  { name: 'search-service', path: `/api/traces?service=frontend&${window}` },
  { name: 'search-operation', path: `/api/traces?service=driver&operation=batch-job&${window}` },
  {
    name: 'search-tags-json',
    path: `/api/traces?service=frontend&${window}&tags=${encodeURIComponent('{"http.status_code":"200","http.method":"GET"}')}`,
  },
  { name: 'search-tag-form', path: `/api/traces?service=redis&${window}&tag=db.statement:GET%20driver:1` },
  { name: 'search-tag-error', path: `/api/traces?service=driver&${window}&tag=error:true` },
  { name: 'search-resource-tag', path: `/api/traces?service=driver&${window}&tag=host.name:drv-1` },
  { name: 'search-min-duration', path: `/api/traces?service=driver&${window}&minDuration=1s` },
  { name: 'search-max-duration', path: `/api/traces?service=frontend&${window}&maxDuration=10ms` },
  { name: 'search-limit', path: `/api/traces?service=frontend&${window}&limit=1` },
  { name: 'search-lookback', path: `/api/traces?service=frontend&${window}&lookback=custom` },
  { name: 'search-none', path: `/api/traces?service=frontend&${window}&operation=nothing` },
  { name: 'search-trace-ids', path: `/api/traces?traceID=${TRACE_3}&traceID=${UNKNOWN}` },
  { name: 'search-no-service', path: `/api/traces?${window}` },
  { name: 'search-bad-start', path: `/api/traces?service=frontend&start=abc` },
  { name: 'search-bad-end', path: `/api/traces?service=frontend&end=1.5` },
  { name: 'search-bad-limit', path: `/api/traces?service=frontend&${window}&limit=ten` },
  { name: 'search-bad-min-duration', path: `/api/traces?service=frontend&${window}&minDuration=100` },
  { name: 'search-bad-max-duration', path: `/api/traces?service=frontend&${window}&maxDuration=abc` },
  { name: 'search-max-below-min', path: `/api/traces?service=frontend&${window}&minDuration=1s&maxDuration=1ms` },
  { name: 'search-bad-tags', path: `/api/traces?service=frontend&${window}&tags=notjson` },
  { name: 'search-bad-tag', path: `/api/traces?service=frontend&${window}&tag=novalue` },
  { name: 'search-bad-trace-id', path: `/api/traces?traceID=xyz` },
  { name: 'dependencies', path: `/api/dependencies?endTs=${endTsMillis}&lookback=${(2 * HOUR_MICROS) / 1000}` },
  { name: 'dependencies-empty', path: `/api/dependencies?endTs=1000000&lookback=1000` },
  { name: 'dependencies-bad-end', path: '/api/dependencies?endTs=soon' },
  { name: 'dependencies-bad-lookback', path: `/api/dependencies?endTs=${endTsMillis}&lookback=1h` },
  { name: 'transform', path: '/api/transform', method: 'POST', body: { dataset: true } },
  { name: 'transform-bad-body', path: '/api/transform', method: 'POST', body: { text: 'notjson' } },
  { name: 'archive', path: `/api/archive/${TRACE_1}`, method: 'POST' },
  { name: 'archive-bad-id', path: '/api/archive/xyz', method: 'POST' },
  { name: 'traces-post', path: '/api/traces', method: 'POST' },
  { name: 'v3-services', path: '/api/v3/services' },
  { name: 'v3-operations', path: '/api/v3/operations?service=driver' },
  { name: 'v3-operations-span-kind', path: '/api/v3/operations?service=driver&span_kind=server' },
  { name: 'v3-trace', path: `/api/v3/traces/${TRACE_1}` },
  { name: 'v3-trace-other', path: `/api/v3/traces/${TRACE_3}` },
  { name: 'v3-trace-unknown', path: `/api/v3/traces/${UNKNOWN}` },
  { name: 'v3-trace-bad-id', path: '/api/v3/traces/xyz' },
  { name: 'v3-trace-bad-start', path: `/api/v3/traces/${TRACE_1}?start_time=yesterday` },
  { name: 'v3-search', path: `/api/v3/traces?query.service_name=driver&${v3Window}` },
  { name: 'v3-search-operation', path: `/api/v3/traces?query.service_name=frontend&query.operation_name=GET%20/health&${v3Window}` },
  { name: 'v3-search-none', path: `/api/v3/traces?query.service_name=nobody&${v3Window}` },
  { name: 'v3-search-no-times', path: '/api/v3/traces?query.service_name=driver' },
  {
    name: 'v3-search-bad-time',
    path: '/api/v3/traces?query.service_name=driver&query.start_time_min=yesterday&query.start_time_max=2026-01-15T11:00:00Z',
  },
  {
    name: 'v3-search-bad-num-traces',
    path: `/api/v3/traces?query.service_name=driver&query.start_time_min=2026-01-15T09:00:00Z&query.start_time_max=2026-01-15T11:00:00Z&query.num_traces=many`,
  },
  { name: 'v3-search-bad-duration', path: `/api/v3/traces?query.service_name=driver&${v3Window}&query.duration_min=5` },
];

/** The fetch options of a golden request (shared with the test, so both send the same bytes). */
export function requestInit(request: GoldenRequest): RequestInit {
  if (request.method === undefined) return {};
  const body =
    request.body === undefined
      ? undefined
      : 'dataset' in request.body
        ? readFileSync(join(import.meta.dirname, 'dataset.otlp.json'))
        : request.body.text;
  return { method: request.method, ...(body !== undefined && { body, headers: { 'Content-Type': 'application/json' } }) };
}
