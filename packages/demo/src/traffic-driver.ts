import { deliveryAddresses } from './city.js';
import { CUSTOMER_COUNT, MENU, demoCustomer } from './customers.js';

/** What the traffic driver did since the last report. */
export interface TrafficStats {
  sessions: number;
  requests: number;
  /** Answers by HTTP status (0 = no answer). */
  byStatus: Map<number, number>;
}

const MAX_IN_FLIGHT = 50;
/** Share of sessions that log in with a token auth does not know (401s are traffic too). */
const BAD_TOKEN_SHARE = 0.05;
/** Share of sessions that go on to order after browsing. */
const ORDER_SHARE = 0.65;

interface NearbyAnswer {
  restaurants?: { id: number }[];
}

function pick<T>(items: readonly T[]): T {
  return items[Math.floor(Math.random() * items.length)]!;
}

/**
 * Simulated customers: every session looks for restaurants near an address and most then order
 * from one of them, so the demo shows both short browse traces and long order traces. Sessions
 * start at `rate` per second, at most MAX_IN_FLIGHT at once (a slowed-down system is not buried
 * under an ever-growing pile of requests).
 */
export class TrafficDriver {
  private timer: NodeJS.Timeout | undefined;
  private inFlight = new Set<Promise<void>>();
  private stats: TrafficStats = { sessions: 0, requests: 0, byStatus: new Map() };
  private readonly addresses = deliveryAddresses(40);

  constructor(
    private readonly gatewayUrl: string,
    private readonly rate: number,
  ) {}

  start(): void {
    if (this.rate <= 0 || this.timer !== undefined) return;
    this.timer = setInterval(() => this.startSession(), 1000 / this.rate);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await Promise.allSettled(this.inFlight);
  }

  /** The counts since the previous call. */
  takeStats(): TrafficStats {
    const stats = this.stats;
    this.stats = { sessions: 0, requests: 0, byStatus: new Map() };
    return stats;
  }

  private startSession(): void {
    if (this.inFlight.size >= MAX_IN_FLIGHT) return;
    const session = this.session().finally(() => this.inFlight.delete(session));
    this.inFlight.add(session);
  }

  private async request<T>(path: string, token: string, body?: unknown): Promise<{ status: number; body: T | undefined }> {
    this.stats.requests++;
    let status = 0;
    try {
      const response = await fetch(`${this.gatewayUrl}${path}`, {
        method: body === undefined ? 'GET' : 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(30_000),
      });
      status = response.status;
      const json = (await response.json().catch(() => undefined)) as T | undefined;
      return { status, body: json };
    } catch {
      return { status: 0, body: undefined };
    } finally {
      this.stats.byStatus.set(status, (this.stats.byStatus.get(status) ?? 0) + 1);
    }
  }

  private async session(): Promise<void> {
    this.stats.sessions++;
    const customer = demoCustomer(Math.floor(Math.random() * CUSTOMER_COUNT));
    const token = Math.random() < BAD_TOKEN_SHARE ? 'expired-token' : customer.token;
    const address = pick(this.addresses);
    const nearby = await this.request<NearbyAnswer>(`/restaurants/nearby?lat=${address.lat}&lon=${address.lon}`, token);
    const restaurants = nearby.body?.restaurants ?? [];
    if (nearby.status !== 200 || restaurants.length === 0 || Math.random() > ORDER_SHARE) return;
    const skus = Object.keys(MENU);
    const items = Array.from({ length: 1 + Math.floor(Math.random() * 3) }, () => ({
      sku: pick(skus),
      quantity: 1 + Math.floor(Math.random() * 2),
    }));
    await this.request('/orders', token, { restaurantId: pick(restaurants).id, lat: address.lat, lon: address.lon, items });
  }
}

/** One line for the launcher's periodic report, e.g. `12 sessions, 20 requests: 18 × 2xx, 2 × 502`. */
export function describeTraffic(stats: TrafficStats): string {
  const parts: string[] = [];
  let ok = 0;
  for (const [status, count] of [...stats.byStatus].sort(([a], [b]) => a - b)) {
    if (status >= 200 && status < 300) ok += count;
    else parts.push(`${count} × ${status === 0 ? 'no answer' : status}`);
  }
  return `${stats.sessions} sessions, ${stats.requests} requests: ${[`${ok} × 2xx`, ...parts].join(', ')}`;
}
