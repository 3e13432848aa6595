import { trace } from '@opentelemetry/api';
import { requireNumber, requireObject, requireString, sleep, jsonRoutes } from '../http-kit.js';
import type { JsonRequest } from '../http-kit.js';
import type { DemoService } from '../service-context.js';

const tracer = trace.getTracer('@skein/demo/fraud-check');
/** Orders scoring above this are refused. */
export const FRAUD_THRESHOLD = 0.9;

/**
 * Scores an order's risk. This is the service whose host clock the `clockSkewMs` fault moves
 * (see clock-skew.ts): its spans land in Skein shifted by that offset, as on a host with a bad NTP.
 */
export async function createFraudCheck(): Promise<DemoService> {
  async function score(request: JsonRequest) {
    const body = requireObject(request.body);
    const tier = requireString(body, 'tier');
    const itemCount = requireNumber(body, 'itemCount');
    const risk = await tracer.startActiveSpan('score order', async (span) => {
      // Stands in for the model evaluation.
      await sleep(8 + Math.random() * 12);
      // New accounts ordering a lot look risky; everyone else rarely does.
      const value = tier === 'new' ? Math.min(1, 0.3 + itemCount * 0.1 + Math.random() * 0.3) : Math.random() * 0.4;
      span.setAttributes({ 'customer.tier': tier, 'fraud.score': Math.round(value * 1000) / 1000, 'fraud.model': 'gbdt-2026-10' });
      span.end();
      return value;
    });
    return { status: 200, body: { score: risk, approved: risk <= FRAUD_THRESHOLD } };
  }

  return { routes: jsonRoutes({ 'POST /score': score }) };
}
