import { requireObject, requireString, sleep, jsonRoutes } from '../http-kit.js';
import type { JsonRequest } from '../http-kit.js';
import type { DemoService } from '../service-context.js';

/**
 * A third-party SMS provider: a plain Node HTTP server that is deliberately NOT instrumented (the
 * process never loads @skein/sdk-node). Its callers' client spans therefore end the trace, the gap
 * every real system has at its vendors' doors.
 */
export async function createSmsGateway(): Promise<DemoService> {
  let sent = 0;
  async function send(request: JsonRequest) {
    const body = requireObject(request.body);
    requireString(body, 'to');
    requireString(body, 'text');
    // The provider's own latency, invisible to us except as the length of the client span.
    await sleep(20 + Math.random() * 40);
    sent++;
    return { status: 202, body: { messageId: `sms-${sent}` } };
  }
  return { routes: jsonRoutes({ 'POST /sms': send }) };
}
