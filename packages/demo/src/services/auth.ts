import { trace } from '@opentelemetry/api';
import { CUSTOMER_COUNT, demoCustomer } from '../customers.js';
import type { Customer } from '../customers.js';
import { HttpError, sleep, jsonRoutes } from '../http-kit.js';
import type { JsonRequest } from '../http-kit.js';
import type { DemoService } from '../service-context.js';

const tracer = trace.getTracer('@skein/demo/auth');

/** Checks bearer tokens against the demo's customers and answers who the caller is. */
export async function createAuth(): Promise<DemoService> {
  const byToken = new Map<string, Customer>();
  for (let i = 0; i < CUSTOMER_COUNT; i++) {
    const customer = demoCustomer(i);
    byToken.set(customer.token, customer);
  }

  async function verify(request: JsonRequest) {
    const token = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
    return tracer.startActiveSpan('verify token', async (span) => {
      try {
        // Stands in for the signature check of a real token (a few milliseconds of crypto).
        await sleep(2 + Math.random() * 3);
        const customer = token === undefined ? undefined : byToken.get(token);
        span.setAttribute('auth.result', customer === undefined ? 'rejected' : 'accepted');
        if (customer === undefined) throw new HttpError(401, 'unknown or missing bearer token');
        span.setAttributes({ 'customer.id': customer.id, 'customer.tier': customer.tier });
        return { status: 200, body: { customerId: customer.id, tier: customer.tier } };
      } finally {
        span.end();
      }
    });
  }

  return { routes: jsonRoutes({ 'POST /verify': verify }) };
}
