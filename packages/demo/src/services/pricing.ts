import { trace } from '@opentelemetry/api';
import { MENU } from '../customers.js';
import { HttpError, requireObject, requireString, sleep, jsonRoutes } from '../http-kit.js';
import type { JsonRequest } from '../http-kit.js';
import type { DemoService } from '../service-context.js';

const tracer = trace.getTracer('@skein/demo/pricing');
const TIER_DISCOUNT_PERCENT: Readonly<Record<string, number>> = { gold: 10, new: 5 };

export interface OrderItem {
  sku: string;
  quantity: number;
}

/** Reads `items` from an order body; a 400 names the first bad entry. */
export function parseItems(body: Record<string, unknown>): OrderItem[] {
  const items = body['items'];
  if (!Array.isArray(items) || items.length === 0) throw new HttpError(400, '"items" must be a non-empty array');
  return items.map((item: unknown, index) => {
    const record = typeof item === 'object' && item !== null ? (item as Record<string, unknown>) : {};
    const { sku, quantity } = record;
    if (typeof sku !== 'string' || MENU[sku] === undefined) throw new HttpError(400, `items[${index}].sku is not on the menu`);
    if (typeof quantity !== 'number' || !Number.isInteger(quantity) || quantity < 1) {
      throw new HttpError(400, `items[${index}].quantity must be a positive integer`);
    }
    return { sku, quantity };
  });
}

/** Prices an order from the menu and applies the customer tier's discount. */
export async function createPricing(): Promise<DemoService> {
  async function quote(request: JsonRequest) {
    const body = requireObject(request.body);
    const items = parseItems(body);
    const tier = requireString(body, 'tier');
    const subtotalCents = items.reduce((sum, item) => sum + MENU[item.sku]! * item.quantity, 0);
    const totalCents = await tracer.startActiveSpan('apply promotions', async (span) => {
      // Stands in for the promotions engine's rule evaluation.
      await sleep(3 + Math.random() * 6);
      const discountPercent = TIER_DISCOUNT_PERCENT[tier] ?? 0;
      span.setAttributes({ 'customer.tier': tier, 'pricing.discount_percent': discountPercent, 'pricing.subtotal_cents': subtotalCents });
      span.end();
      return Math.round((subtotalCents * (100 - discountPercent)) / 100);
    });
    trace.getActiveSpan()?.setAttribute('order.total_cents', totalCents);
    return { status: 200, body: { subtotalCents, totalCents, currency: 'EUR' } };
  }

  return { routes: jsonRoutes({ 'POST /quote': quote }) };
}
