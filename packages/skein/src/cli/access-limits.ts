import type { ServerResponse } from 'node:http';
import type { AccessRole } from '../component/request-identity.js';
import type { SecurityConfig } from './security-config.js';

/**
 * Two small admission rules the host applies after authentication: failed attempts per client
 * address (a guessing client is slowed to a crawl, the Collector's auth extensions leave that to a
 * proxy) and per-tenant limits (one tenant cannot starve the others).
 */

const MINUTE_MILLIS = 60_000;
/** Bounded so a spray of source addresses cannot grow the table without end. */
const MAX_TRACKED_CLIENTS = 10_000;

export class FailureLimiter {
  private readonly clients = new Map<string, { windowStart: number; failures: number; blockedUntil: number }>();

  constructor(private readonly maxPerMinute: number) {}

  /** Seconds the client must wait before trying again; 0 when it may try now. */
  blockedFor(client: string, now = Date.now()): number {
    const entry = this.clients.get(client);
    if (!entry || entry.blockedUntil <= now) return 0;
    return Math.ceil((entry.blockedUntil - now) / 1000);
  }

  failed(client: string, now = Date.now()): void {
    let entry = this.clients.get(client);
    if (!entry || now - entry.windowStart >= MINUTE_MILLIS) {
      if (!entry && this.clients.size >= MAX_TRACKED_CLIENTS) this.clients.delete(this.clients.keys().next().value!);
      entry = { windowStart: now, failures: 0, blockedUntil: 0 };
      this.clients.set(client, entry);
    }
    entry.failures++;
    if (entry.failures >= this.maxPerMinute) entry.blockedUntil = now + MINUTE_MILLIS;
  }
}

type LimitsConfig = SecurityConfig['limits'];

export interface Refusal {
  readonly message: string;
  readonly retryAfterSeconds: number;
}

/** `ingest_requests_per_second` (a token bucket per tenant) and `query_concurrency` (in flight per tenant). */
export class TenantLimits {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly queriesInFlight = new Map<string, number>();

  constructor(private readonly config: LimitsConfig) {}

  /** Undefined when admitted; a query stays counted until `response` closes. */
  admit(tenant: string, role: AccessRole, response: ServerResponse | undefined, now = Date.now()): Refusal | undefined {
    const limits = this.config[tenant] ?? this.config['default'];
    if (!limits) return undefined;
    if (role === 'ingest' && limits.ingest_requests_per_second !== undefined) {
      const rate = limits.ingest_requests_per_second;
      // A burst of one second's worth is allowed: SDKs flush in bursts.
      const bucket = this.buckets.get(tenant) ?? { tokens: rate, at: now };
      bucket.tokens = Math.min(rate, bucket.tokens + ((now - bucket.at) / 1000) * rate);
      bucket.at = now;
      this.buckets.set(tenant, bucket);
      if (bucket.tokens < 1) {
        return {
          message: `tenant ${tenant} is over its ingest rate of ${rate} requests/s`,
          retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / rate)),
        };
      }
      bucket.tokens -= 1;
    }
    if (role !== 'ingest' && limits.query_concurrency !== undefined && response !== undefined) {
      const inFlight = this.queriesInFlight.get(tenant) ?? 0;
      if (inFlight >= limits.query_concurrency) {
        return { message: `tenant ${tenant} has ${inFlight} queries running, its limit`, retryAfterSeconds: 1 };
      }
      this.queriesInFlight.set(tenant, inFlight + 1);
      response.once('close', () => this.queriesInFlight.set(tenant, (this.queriesInFlight.get(tenant) ?? 1) - 1));
    }
    return undefined;
  }
}
