import type { KeyValue, Span } from '../../src/model/span.js';
import { DEFAULT_TENANT, type TenantId } from '../../src/model/tenant.js';
import { makeSpan, MS, resourceOf } from '../storage/trace-fixtures.js';

/**
 * Designed datasets whose analysis answers are known (issue 15):
 * - `slowReplica`: 60 minutes of one database call; twenty noisy attributes (five values each, drawn
 *   at random), a numeric one with thousands of values, three hosts; from minute 30 to 40 the
 *   calls to `db.instance=replica-3` take 400–900 ms instead of 5–50 ms. The ranking of the slow
 *   region must put `span.db.instance` first with `replica-3`, and nothing noisy as a cause.
 * - `nullWorld`: the same world without a cause: durations are independent of every attribute.
 *   A ranking of its slowest spans must report no significant attribute.
 * - `retryWorld`: 40 traces of `frontend: GET /checkout`; every 8th trace's `payment: charge` is
 *   retried three times (two errors) and takes ~100 ms each; every 7th (other) trace never reaches
 *   payment (the cart is empty). Trace 1 is normal, trace 8 has the retry loop.
 * Deterministic (a seeded generator): the same spans on every run and engine.
 */

/** Minute-aligned starts: 2023-11-14T22:00:00Z and two hours apart per dataset. */
export const MINUTE = 60_000_000_000n;
export const SLOW_T0 = 1_700_000_000n * 1_000_000_000n - ((1_700_000_000n * 1_000_000_000n) % (60n * MINUTE));
export const NULL_T0 = SLOW_T0 + 120n * MINUTE;
export const RETRY_T0 = SLOW_T0 + 240n * MINUTE;
export const SPANS_PER_MINUTE = 60;
export const NOISE_ATTRIBUTES = 20;

/** mulberry32: a tiny seeded generator, so datasets are the same everywhere. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(random: () => number, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

function logUniform(random: () => number, lowMs: number, highMs: number): bigint {
  const ms = Math.exp(Math.log(lowMs) + random() * (Math.log(highMs) - Math.log(lowMs)));
  return BigInt(Math.round(ms * 1000)) * 1000n;
}

let nextSpan = 1;

function dbWorld(t0: bigint, seed: number, traceBase: number, slowRegion: boolean, tenant: TenantId): Span[] {
  const random = seeded(seed);
  const hosts = ['host-a', 'host-b', 'host-c'].map((host) => resourceOf('cart-db', [{ key: 'host.name', value: host }], tenant));
  const spans: Span[] = [];
  let trace = traceBase;
  for (let minute = 0; minute < 60; minute++) {
    for (let i = 0; i < SPANS_PER_MINUTE; i++) {
      const replica = `replica-${Math.floor(random() * 10)}`;
      const attributes: KeyValue[] = [{ key: 'db.instance', value: replica }];
      for (let n = 0; n < NOISE_ATTRIBUTES; n++) attributes.push({ key: `noise.${n}`, value: `v${Math.floor(random() * 5)}` });
      attributes.push({ key: 'response.bytes', value: BigInt(100 + Math.floor(random() * 100_000)) });
      const slow = slowRegion && minute >= 30 && minute < 40 && replica === 'replica-3';
      const duration = slow ? logUniform(random, 400, 900) : logUniform(random, 5, 50);
      const start = t0 + BigInt(minute) * MINUTE + (BigInt(i) * MINUTE) / BigInt(SPANS_PER_MINUTE);
      spans.push(
        makeSpan({
          trace: ++trace,
          span: nextSpan++,
          resource: pick(random, hosts),
          name: 'SELECT cart',
          kind: 3,
          start,
          duration,
          error: random() < 0.01,
          attributes,
        }),
      );
    }
  }
  return spans;
}

export function slowReplica(tenant: TenantId = DEFAULT_TENANT): Span[] {
  return dbWorld(SLOW_T0, 15, 1_000_000, true, tenant);
}

export function nullWorld(): Span[] {
  return dbWorld(NULL_T0, 16, 2_000_000, false, DEFAULT_TENANT);
}

export const RETRY_TRACES = 40;
export const RETRY_TRACE_BASE = 3_000_000;
export const isRetryTrace = (n: number): boolean => n % 8 === 0;
export const isCartOnlyTrace = (n: number): boolean => n % 7 === 3 && !isRetryTrace(n);

export function retryWorld(): Span[] {
  const random = seeded(17);
  const frontend = resourceOf('frontend');
  const checkout = resourceOf('checkout');
  const payment = resourceOf('payment');
  const cache = resourceOf('cart-cache');
  const spans: Span[] = [];
  for (let n = 0; n < RETRY_TRACES; n++) {
    const trace = RETRY_TRACE_BASE + n;
    const t = RETRY_T0 + BigInt(n) * 30n * 1_000_000_000n;
    const jitter = (): bigint => BigInt(Math.floor(random() * 3_000)) * 1000n;
    const root = nextSpan++;
    const order = nextSpan++;
    const children: Span[] = [];
    let cursor = t + 2n * MS;
    if (isCartOnlyTrace(n)) {
      children.push(
        makeSpan({ trace, span: nextSpan++, parent: order, resource: cache, name: 'GET cart', kind: 3, start: cursor, duration: 5n * MS }),
      );
      cursor += 5n * MS;
    } else {
      const attempts = isRetryTrace(n) ? 3 : 1;
      for (let attempt = 0; attempt < attempts; attempt++) {
        const duration = (isRetryTrace(n) ? 100n : 30n) * MS + jitter();
        const charge = nextSpan++;
        const failed = attempt < attempts - 1;
        children.push(
          makeSpan({
            trace,
            span: charge,
            parent: order,
            resource: payment,
            name: 'charge',
            kind: 2,
            start: cursor,
            duration,
            error: failed,
          }),
          makeSpan({
            trace,
            span: nextSpan++,
            parent: charge,
            resource: payment,
            name: 'INSERT payments',
            kind: 3,
            start: cursor + MS,
            duration: 10n * MS,
          }),
        );
        cursor += duration;
      }
    }
    const orderEnd = cursor + 3n * MS;
    spans.push(
      makeSpan({ trace, span: root, resource: frontend, name: 'GET /checkout', kind: 2, start: t, duration: orderEnd - t + 2n * MS }),
      makeSpan({
        trace,
        span: order,
        parent: root,
        resource: checkout,
        name: 'POST /order',
        kind: 2,
        start: t + MS,
        duration: orderEnd - t - MS,
      }),
      ...children,
    );
  }
  return spans;
}
