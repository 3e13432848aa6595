import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, context, propagation, trace } from '@opentelemetry/api';
import type { Link } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import { ATTR_SERVER_ADDRESS, ATTR_SERVER_PORT } from '@opentelemetry/semantic-conventions';

/**
 * Producer and consumer for the demo's queue broker, traced the way OpenTelemetry's messaging
 * conventions ask: a PRODUCER span `send {queue}` whose context travels in the message headers,
 * and on the other side a CONSUMER span `process {queue}` that starts a new trace (the consumer
 * runs later, on its own schedule, so it is not part of the request that produced the message)
 * and carries a span link back to the producer span.
 *
 * The broker's HTTP transport is an implementation detail, as AMQP frames would be: its calls run
 * with tracing suppressed so they do not show up as HTTP spans around the messaging spans.
 */

/** Messaging attribute names (development status in the conventions, so not in the stable constants). */
const MESSAGING = {
  system: 'messaging.system',
  destination: 'messaging.destination.name',
  operationName: 'messaging.operation.name',
  operationType: 'messaging.operation.type',
  messageId: 'messaging.message.id',
  bodySize: 'messaging.message.body.size',
  consumerGroup: 'messaging.consumer.group.name',
} as const;

/** `messaging.system`: a custom value, as the conventions allow for systems outside their list. */
const MESSAGING_SYSTEM = 'skein-demo-queue';

const tracer = trace.getTracer('@skein/demo/messaging');

export interface QueueMessage {
  id: string;
  /** Propagation headers (`traceparent`, `tracestate`, `baggage`) and anything else the producer adds. */
  headers: Record<string, string>;
  body: string;
}

function brokerAttributes(brokerUrl: string): Record<string, string | number> {
  const url = new URL(brokerUrl);
  return { [ATTR_SERVER_ADDRESS]: url.hostname, [ATTR_SERVER_PORT]: Number(url.port) };
}

function withoutTracing<T>(fn: () => Promise<T>): Promise<T> {
  return context.with(suppressTracing(context.active()), fn);
}

export class QueueProducer {
  constructor(
    private readonly brokerUrl: string,
    readonly queue: string,
  ) {}

  /** Publishes `payload` (JSON) and resolves with the message ID once the broker has it. */
  async send(payload: unknown, attributes: Record<string, string | number | boolean> = {}): Promise<string> {
    const id = randomUUID();
    const body = JSON.stringify(payload);
    return tracer.startActiveSpan(
      `send ${this.queue}`,
      {
        kind: SpanKind.PRODUCER,
        attributes: {
          [MESSAGING.system]: MESSAGING_SYSTEM,
          [MESSAGING.destination]: this.queue,
          [MESSAGING.operationName]: 'send',
          [MESSAGING.operationType]: 'send',
          [MESSAGING.messageId]: id,
          [MESSAGING.bodySize]: Buffer.byteLength(body),
          ...brokerAttributes(this.brokerUrl),
          ...attributes,
        },
      },
      async (span) => {
        try {
          const headers: Record<string, string> = {};
          // Injected from the producer span's context: the consumer links to this very span.
          propagation.inject(context.active(), headers);
          const message: QueueMessage = { id, headers, body };
          const response = await withoutTracing(() =>
            fetch(`${this.brokerUrl}/messages?queue=${encodeURIComponent(this.queue)}`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify(message),
              signal: AbortSignal.timeout(5_000),
            }),
          );
          await response.body?.cancel();
          if (response.status !== 202) throw new Error(`broker refused the message: HTTP ${response.status}`);
          return id;
        } catch (error) {
          span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
          throw error;
        } finally {
          span.end();
        }
      },
    );
  }
}

export type MessageHandler = (payload: unknown, message: QueueMessage) => Promise<void>;

/**
 * Long-polls the broker and handles one message at a time, each in its own CONSUMER span.
 * Delivery is at most once (the broker forgets a message once handed out): a demo queue, not a
 * durable one.
 */
export class QueueConsumer {
  private running = false;
  private readonly abort = new AbortController();
  private loop: Promise<void> | undefined;

  constructor(
    private readonly brokerUrl: string,
    readonly queue: string,
    private readonly consumerGroup: string,
    private readonly handle: MessageHandler,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.poll();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.abort.abort();
    await this.loop;
  }

  private async poll(): Promise<void> {
    while (this.running) {
      let messages: QueueMessage[];
      try {
        messages = await withoutTracing(async () => {
          const response = await fetch(`${this.brokerUrl}/messages?queue=${encodeURIComponent(this.queue)}&max=10&waitMs=1000`, {
            signal: this.abort.signal,
          });
          if (response.status !== 200) throw new Error(`broker answered HTTP ${response.status}`);
          return ((await response.json()) as { messages: QueueMessage[] }).messages;
        });
      } catch (error) {
        // Wait before complaining: at shutdown the broker may go first, and then we are stopping too.
        await delay(1_000, undefined, { signal: this.abort.signal }).catch(() => undefined);
        if (!this.running) return;
        console.warn(`queue ${this.queue}: ${error instanceof Error ? error.message : String(error)}; retrying`);
        continue;
      }
      for (const message of messages) await this.process(message);
    }
  }

  private async process(message: QueueMessage): Promise<void> {
    const producer = trace.getSpanContext(propagation.extract(ROOT_CONTEXT, message.headers));
    const links: Link[] = producer === undefined ? [] : [{ context: producer, attributes: { [MESSAGING.operationType]: 'send' } }];
    // ROOT_CONTEXT, not the polling loop's (suppressed) context: the consumer span starts a trace.
    await tracer.startActiveSpan(
      `process ${this.queue}`,
      {
        kind: SpanKind.CONSUMER,
        root: true,
        links,
        attributes: {
          [MESSAGING.system]: MESSAGING_SYSTEM,
          [MESSAGING.destination]: this.queue,
          [MESSAGING.operationName]: 'process',
          [MESSAGING.operationType]: 'process',
          [MESSAGING.messageId]: message.id,
          [MESSAGING.bodySize]: Buffer.byteLength(message.body),
          [MESSAGING.consumerGroup]: this.consumerGroup,
          ...brokerAttributes(this.brokerUrl),
        },
      },
      ROOT_CONTEXT,
      async (span) => {
        try {
          await this.handle(JSON.parse(message.body), message);
        } catch (error) {
          span.recordException(error instanceof Error ? error : String(error));
          span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
        } finally {
          span.end();
        }
      },
    );
  }
}
