import { context, trace } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import { FaultsError, describeFaults, mergeFaults } from '../faults.js';
import type { Faults } from '../faults.js';
import { HttpError, callJson, requireObject, jsonRoutes } from '../http-kit.js';
import type { JsonRequest, JsonResponse } from '../http-kit.js';
import type { DemoService, ServiceContext } from '../service-context.js';
import { tracedServices } from '../topology.js';

interface VerifiedCustomer {
  customerId: string;
  tier: string;
}

/**
 * The public entry: checks the caller with auth, then hands over to order or
 * restaurant-availability. It also owns the run-time fault switches (`GET/POST /faults`) and pushes
 * every change to the other services. Answers carry `x-trace-id` so a caller (or the test) can open
 * exactly its trace in Skein.
 */
export async function createApiGateway(ctx: ServiceContext): Promise<DemoService> {
  const withTraceId = (response: JsonResponse): JsonResponse => {
    const traceId = trace.getActiveSpan()?.spanContext().traceId;
    return traceId === undefined ? response : { ...response, headers: { ...response.headers, 'x-trace-id': traceId } };
  };

  async function verify(request: JsonRequest): Promise<VerifiedCustomer> {
    const authorization = request.headers.authorization;
    if (authorization === undefined) throw new HttpError(401, 'missing Authorization header');
    const answer = await callJson<VerifiedCustomer & { error?: string }>(`${ctx.url('auth')}/verify`, {
      method: 'POST',
      headers: { authorization },
    });
    if (answer.status !== 200)
      throw new HttpError(answer.status === 401 ? 401 : 502, answer.body.error ?? `auth answered ${answer.status}`);
    trace.getActiveSpan()?.setAttributes({ 'customer.id': answer.body.customerId, 'customer.tier': answer.body.tier });
    return answer.body;
  }

  async function placeOrder(request: JsonRequest): Promise<JsonResponse> {
    try {
      const customer = await verify(request);
      const order = requireObject(request.body);
      const answer = await callJson(`${ctx.url('order')}/orders`, { body: { ...order, ...customer } });
      return withTraceId({ status: answer.status, body: answer.body });
    } catch (error) {
      if (error instanceof HttpError) return withTraceId({ status: error.status, body: { error: error.message } });
      throw error;
    }
  }

  async function nearbyRestaurants(request: JsonRequest): Promise<JsonResponse> {
    try {
      await verify(request);
      const query = new URLSearchParams({ lat: request.query.get('lat') ?? '', lon: request.query.get('lon') ?? '' });
      const answer = await callJson(`${ctx.url('restaurant-availability')}/nearby?${query.toString()}`);
      return withTraceId({ status: answer.status, body: answer.body });
    } catch (error) {
      if (error instanceof HttpError) return withTraceId({ status: error.status, body: { error: error.message } });
      throw error;
    }
  }

  async function changeFaults(request: JsonRequest): Promise<JsonResponse> {
    let next: Faults;
    try {
      next = mergeFaults(ctx.faults.current(), request.body);
    } catch (error) {
      if (error instanceof FaultsError) throw new HttpError(400, error.message);
      throw error;
    }
    // Control traffic, not business traffic: keep it out of the traces and the service graph.
    const failures = await context.with(suppressTracing(context.active()), async () => {
      const others = tracedServices().filter((name) => name !== ctx.name);
      const results = await Promise.allSettled(others.map((name) => callJson(`${ctx.url(name)}/_demo/faults`, { body: next })));
      return results.flatMap((result, index) => (result.status === 'fulfilled' && result.value.status === 200 ? [] : [others[index]!]));
    });
    ctx.faults.replace(next);
    console.log(`faults now: ${describeFaults(next)}`);
    if (failures.length > 0) throw new HttpError(502, `faults not applied on: ${failures.join(', ')}`);
    return { status: 200, body: { faults: next, active: describeFaults(next) } };
  }

  return {
    routes: jsonRoutes({
      'POST /orders': placeOrder,
      'GET /restaurants/nearby': nearbyRestaurants,
      'GET /faults': async () => ({ status: 200, body: { faults: ctx.faults.current(), active: describeFaults(ctx.faults.current()) } }),
      'POST /faults': changeFaults,
    }),
  };
}
