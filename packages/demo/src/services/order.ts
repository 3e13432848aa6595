import { randomUUID } from 'node:crypto';
import { SpanStatusCode, trace } from '@opentelemetry/api';
import { HttpError, callJson, requireNumber, requireObject, requireString, sleep, jsonRoutes } from '../http-kit.js';
import type { CallResult, JsonRequest, JsonResponse } from '../http-kit.js';
import { QueueProducer } from '../message-queue.js';
import type { DemoService, ServiceContext } from '../service-context.js';
import { demoLogger } from '../demo-logs.js';
import { ORDER_EVENTS_QUEUE } from '../topology.js';
import { TracedSqlDatabase } from '../traced-sql-database.js';
import { parseItems } from './pricing.js';

const tracer = trace.getTracer('@skein/demo/order');
const log = demoLogger('@skein/demo/order');

const SCHEMA = `
  CREATE TABLE orders (
    id TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL,
    restaurant_id INTEGER NOT NULL,
    total_cents INTEGER NOT NULL,
    status TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE INDEX orders_by_customer ON orders (customer_id, status);
`;

interface ChargeOutcome {
  ok: boolean;
  attempts: number;
  error?: string;
}

/**
 * Places an order: customer history from SQLite, then availability, pricing and fraud-check
 * called in parallel, the order row written, payment charged (with retries), and an
 * `order-placed` event published for notify. Every step is a span under `place order`, which
 * carries the business attributes (order.id, customer.tier, restaurant.id, …).
 */
export async function createOrder(ctx: ServiceContext): Promise<DemoService> {
  const db = await TracedSqlDatabase.open('orders');
  db.setUp(SCHEMA);
  const events = new QueueProducer(ctx.url('queue-broker'), ORDER_EVENTS_QUEUE);

  async function callOrFail<T>(what: string, url: string, body: unknown): Promise<CallResult<T>> {
    try {
      return await callJson<T>(url, { body });
    } catch (error) {
      throw new HttpError(502, `${what} unreachable: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /**
   * Normally one retry, after a pause, and only when payment sheds load (503): a failed charge is
   * not retried blindly. The retry-storm fault turns that into up to 5 immediate attempts on any
   * 5xx, the classic amplification that keeps an overloaded dependency down.
   */
  async function chargeWithRetries(orderId: string, amountCents: number): Promise<ChargeOutcome> {
    const storm = ctx.faults.current().retryStorm;
    const maxAttempts = storm ? 5 : 2;
    let last = '';
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      let status: number;
      try {
        const answer = await callJson<{ error?: string }>(`${ctx.url('payment')}/charges`, { body: { orderId, amountCents } });
        status = answer.status;
        last = answer.body?.error ?? `payment answered ${status}`;
      } catch (error) {
        status = 503;
        last = `payment unreachable: ${error instanceof Error ? error.message : String(error)}`;
      }
      if (status === 201) return { ok: true, attempts: attempt };
      const retryable = storm ? status >= 500 : status === 503;
      if (!retryable) return { ok: false, attempts: attempt, error: last };
      if (!storm && attempt < maxAttempts) await sleep(100 * attempt);
    }
    return { ok: false, attempts: maxAttempts, error: last };
  }

  async function placeOrder(request: JsonRequest): Promise<JsonResponse> {
    const body = requireObject(request.body);
    const customerId = requireString(body, 'customerId');
    const tier = requireString(body, 'tier');
    const restaurantId = requireNumber(body, 'restaurantId');
    const lat = requireNumber(body, 'lat');
    const lon = requireNumber(body, 'lon');
    const items = parseItems(body);
    const orderId = `o-${randomUUID().slice(0, 8)}`;
    const itemCount = items.reduce((sum, item) => sum + item.quantity, 0);

    return tracer.startActiveSpan('place order', async (span) => {
      span.setAttributes({
        'order.id': orderId,
        'customer.id': customerId,
        'customer.tier': tier,
        'restaurant.id': restaurantId,
        'order.item_count': itemCount,
      });
      const fail = (status: number, message: string): JsonResponse => {
        span.setStatus({ code: SpanStatusCode.ERROR, message });
        span.setAttribute('order.status', 'rejected');
        return { status, body: { orderId, error: message } };
      };
      try {
        // 'paid' is a constant of the query; the span's db.query.text shows it as ? like any literal.
        const history = await db.query("SELECT COUNT(*) AS paid_orders FROM orders WHERE customer_id = ? AND status = 'paid'", [
          customerId,
        ]);
        span.setAttribute('customer.paid_orders', Number(history[0]?.['paid_orders'] ?? 0));

        // The fan-out: three independent checks at once, so the slowest one sets the pace.
        const [availability, quote, fraud] = await Promise.all([
          callOrFail<{ available: boolean; etaMinutes: number }>('restaurant-availability', `${ctx.url('restaurant-availability')}/check`, {
            restaurantId,
            lat,
            lon,
          }),
          callOrFail<{ totalCents: number }>('pricing', `${ctx.url('pricing')}/quote`, { items, tier }),
          callOrFail<{ approved: boolean; score: number }>('fraud-check', `${ctx.url('fraud-check')}/score`, {
            customerId,
            tier,
            itemCount,
          }),
        ]);
        if (availability.status !== 200 || quote.status !== 200 || fraud.status !== 200) {
          return fail(502, 'a pre-order check failed');
        }
        if (!availability.body.available) return fail(409, `restaurant ${restaurantId} cannot deliver to this address`);
        if (!fraud.body.approved) return fail(403, 'order refused by fraud check');
        const totalCents = quote.body.totalCents;
        span.setAttributes({ 'order.total_cents': totalCents, 'fraud.score': Math.round(fraud.body.score * 1000) / 1000 });

        await db.execute('INSERT INTO orders (id, customer_id, restaurant_id, total_cents, status, created_at) VALUES (?, ?, ?, ?, ?, ?)', [
          orderId,
          customerId,
          restaurantId,
          totalCents,
          'pending',
          Date.now(),
        ]);
        const charge = await chargeWithRetries(orderId, totalCents);
        span.setAttribute('payment.attempts', charge.attempts);
        await db.execute('UPDATE orders SET status = ? WHERE id = ?', [charge.ok ? 'paid' : 'payment_failed', orderId]);
        if (!charge.ok) {
          log.error(`order ${orderId} rejected after ${charge.attempts} payment attempt(s): ${charge.error ?? 'unknown error'}`, {
            'order.id': orderId,
            'payment.attempts': charge.attempts,
          });
          return fail(502, `payment failed: ${charge.error ?? 'unknown error'}`);
        }
        log.info(`order ${orderId} placed for restaurant ${restaurantId}`, { 'order.id': orderId, 'order.total_cents': totalCents });

        await events.send(
          { type: 'order-placed', orderId, customerId, restaurantId, totalCents, etaMinutes: availability.body.etaMinutes },
          { 'order.id': orderId },
        );
        span.setAttribute('order.status', 'placed');
        return { status: 201, body: { orderId, totalCents, etaMinutes: availability.body.etaMinutes, status: 'placed' } };
      } catch (error) {
        if (error instanceof HttpError) return fail(error.status, error.message);
        span.recordException(error instanceof Error ? error : String(error));
        span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
        throw error;
      } finally {
        span.end();
      }
    });
  }

  return { routes: jsonRoutes({ 'POST /orders': placeOrder }) };
}
