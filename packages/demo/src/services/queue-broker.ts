import { HttpError, requireObject, requireString, jsonRoutes } from '../http-kit.js';
import type { JsonRequest } from '../http-kit.js';
import type { QueueMessage } from '../message-queue.js';
import type { DemoService } from '../service-context.js';

const MAX_QUEUE_LENGTH = 10_000;
const MAX_WAIT_MS = 5_000;

interface Queue {
  messages: QueueMessage[];
  /** Long polls waiting for the next message. */
  waiters: (() => void)[];
}

/**
 * A minimal in-memory message broker over HTTP, standing in for RabbitMQ or SQS: `POST
 * /messages?queue=Q` enqueues, `GET /messages?queue=Q&max=N&waitMs=T` long-polls and hands
 * messages out once. It is infrastructure, so it runs without tracing; what crosses it is traced
 * by the producer and consumer (see message-queue.ts). Bounded: a full queue answers 429.
 */
export async function createQueueBroker(): Promise<DemoService> {
  const queues = new Map<string, Queue>();
  const queueNamed = (request: JsonRequest): Queue => {
    const name = request.query.get('queue');
    if (name === null || name === '') throw new HttpError(400, 'query parameter "queue" is required');
    let queue = queues.get(name);
    if (queue === undefined) queues.set(name, (queue = { messages: [], waiters: [] }));
    return queue;
  };

  async function publish(request: JsonRequest) {
    const queue = queueNamed(request);
    const body = requireObject(request.body);
    const headers = body['headers'];
    if (typeof headers !== 'object' || headers === null) throw new HttpError(400, '"headers" must be an object');
    if (queue.messages.length >= MAX_QUEUE_LENGTH) throw new HttpError(429, 'queue is full');
    queue.messages.push({ id: requireString(body, 'id'), headers: headers as Record<string, string>, body: requireString(body, 'body') });
    for (const wake of queue.waiters.splice(0)) wake();
    return { status: 202, body: { queued: queue.messages.length } };
  }

  async function receive(request: JsonRequest) {
    const queue = queueNamed(request);
    const max = Math.max(1, Math.min(100, Number(request.query.get('max') ?? 10) || 10));
    const waitMs = Math.max(0, Math.min(MAX_WAIT_MS, Number(request.query.get('waitMs') ?? 0) || 0));
    if (queue.messages.length === 0 && waitMs > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          queue.waiters = queue.waiters.filter((waiter) => waiter !== wake);
          resolve();
        }, waitMs);
        const wake = (): void => {
          clearTimeout(timer);
          resolve();
        };
        queue.waiters.push(wake);
      });
    }
    return { status: 200, body: { messages: queue.messages.splice(0, max) } };
  }

  return {
    routes: jsonRoutes({
      'POST /messages': publish,
      'GET /messages': receive,
    }),
  };
}
