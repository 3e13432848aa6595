import type { TraceSearchQuery } from '../src/storage/trace-store.js';

const HOUR_NANO = 3_600_000_000_000n;

/**
 * The search every query bench times (`npm run bench` step d, search-statements-bench.ts): the
 * loadgen topology's gateway spans of `/api/checkout` of at least 100 ms over the last `hours`,
 * 20 traces, as Jaeger's search form sends it.
 */
export function benchSearchQuery(nowNano: bigint, hours: bigint): TraceSearchQuery {
  return {
    serviceName: 'gateway',
    attributes: [{ key: 'http.route', value: '/api/checkout' }],
    minDurationNano: 100_000_000n,
    errorsOnly: false,
    startTimeUnixNano: nowNano - hours * HOUR_NANO,
    endTimeUnixNano: nowNano,
    limit: 20,
  };
}
