import { SpanStatusCode, trace } from '@opentelemetry/api';
import { HttpError, requireNumber, requireObject, requireString, sleep, jsonRoutes } from '../http-kit.js';
import type { JsonRequest } from '../http-kit.js';
import type { DemoService, ServiceContext } from '../service-context.js';
import { demoLogger } from '../demo-logs.js';

const tracer = trace.getTracer('@skein/demo/payment');
const log = demoLogger('@skein/demo/payment');
/** Share of requests payment sheds with 503 while the retry-storm fault is on. */
const STORM_SHED_RATE = 0.6;

/**
 * Decides which calls fail for an error rate, spread evenly instead of at random: with 0.25 exactly
 * every 4th call fails. The demo then shows the configured rate within a handful of requests, and
 * the end-to-end test can count on both outcomes.
 */
export class EvenErrorSpreader {
  private calls = 0;

  shouldFail(rate: number): boolean {
    const before = Math.floor(this.calls * rate);
    this.calls++;
    return Math.floor(this.calls * rate) > before;
  }
}

/** Authorises card payments; the faults make it fail (`paymentErrorRate`) or shed load (`retryStorm`). */
export async function createPayment(ctx: ServiceContext): Promise<DemoService> {
  const errors = new EvenErrorSpreader();

  async function charge(request: JsonRequest) {
    const body = requireObject(request.body);
    const orderId = requireString(body, 'orderId');
    const amountCents = requireNumber(body, 'amountCents');
    const faults = ctx.faults.current();
    trace.getActiveSpan()?.setAttributes({ 'order.id': orderId, 'payment.amount_cents': amountCents });
    if (faults.retryStorm && Math.random() < STORM_SHED_RATE) {
      log.warn(`shedding charge for order ${orderId}: payment is overloaded`, { 'order.id': orderId });
      // Overloaded: refuse before doing any work, as a load-shedding service does.
      throw new HttpError(503, 'payment is overloaded, try again later');
    }
    return tracer.startActiveSpan('authorize card', async (span) => {
      try {
        span.setAttributes({ 'order.id': orderId, 'payment.amount_cents': amountCents, 'payment.processor': 'acme-pay' });
        log.info(`charging ${(amountCents / 100).toFixed(2)} for order ${orderId} via acme-pay`, { 'order.id': orderId });
        // Stands in for the round trip to the card processor.
        await sleep(15 + Math.random() * 25);
        if (errors.shouldFail(faults.paymentErrorRate)) {
          const message = 'card processor timed out';
          // The line an on-call engineer looks for: why this payment failed, on the span that failed.
          log.error(
            `payment for order ${orderId} failed: acme-pay did not answer the authorization within its 30 ms budget (processor_timeout); the order is rejected, the card was not charged`,
            {
              'order.id': orderId,
              'payment.processor': 'acme-pay',
              'error.type': 'processor_timeout',
              'payment.amount_cents': amountCents,
            },
            'payment.failed',
          );
          span.recordException(new Error(message));
          span.setStatus({ code: SpanStatusCode.ERROR, message });
          span.setAttribute('error.type', 'processor_timeout');
          throw new HttpError(502, message);
        }
        const authorizationId = `auth-${orderId}`;
        span.setAttribute('payment.authorization_id', authorizationId);
        log.info(`payment authorized for order ${orderId}`, { 'order.id': orderId, 'payment.authorization_id': authorizationId });
        return { status: 201, body: { authorizationId } };
      } finally {
        span.end();
      }
    });
  }

  return { routes: jsonRoutes({ 'POST /charges': charge }) };
}
