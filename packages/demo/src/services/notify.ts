import { trace } from '@opentelemetry/api';
import { callJson, requireObject, requireString, jsonRoutes } from '../http-kit.js';
import { QueueConsumer } from '../message-queue.js';
import type { DemoService, ServiceContext } from '../service-context.js';
import { ORDER_EVENTS_QUEUE } from '../topology.js';

const tracer = trace.getTracer('@skein/demo/notify');

/**
 * Consumes `order-placed` events and texts the customer a receipt through the SMS gateway. Each
 * message starts its own trace (a CONSUMER span linked to the order's PRODUCER span); the SMS
 * gateway is a third party without tracing, so its call stays a client span with nothing below.
 */
export async function createNotify(ctx: ServiceContext): Promise<DemoService> {
  const consumer = new QueueConsumer(ctx.url('queue-broker'), ORDER_EVENTS_QUEUE, 'notify', async (payload) => {
    const event = requireObject(payload);
    const orderId = requireString(event, 'orderId');
    const customerId = requireString(event, 'customerId');
    trace.getActiveSpan()?.setAttributes({ 'order.id': orderId, 'customer.id': customerId });
    const text = tracer.startActiveSpan('render receipt', (span) => {
      span.setAttributes({ 'order.id': orderId, 'notification.channel': 'sms', 'notification.template': 'order-placed-v3' });
      const rendered = `Order ${orderId} confirmed: ${(Number(event['totalCents']) / 100).toFixed(2)} EUR, about ${String(event['etaMinutes'])} min.`;
      span.end();
      return rendered;
    });
    const answer = await callJson(`${ctx.url('sms-gateway')}/sms`, { body: { to: customerId, text } });
    if (answer.status !== 202) throw new Error(`sms gateway answered ${answer.status}`);
  });
  consumer.start();
  return { routes: jsonRoutes({}), stop: () => consumer.stop() };
}
