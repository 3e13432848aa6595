/**
 * An open-loop OTLP/HTTP client for the overload bench (issue 20, item 3): it sends at a fixed
 * offered rate whatever the answers are, as a fleet of independent SDKs does, so a slow answer
 * never lowers the offered load. `skein loadgen` is closed-loop (each connection waits for its
 * answer before sending the next request): against a one-core Skein whose answers took 1.4-2.5 s
 * it offered only 1.2-1.7x capacity (BENCHMARKS.md, "Quiet and pinned runs").
 *
 * Cheap per request: every request (HTTP/1.1 head + protobuf body of a fixture written by
 * `skein loadgen --write-fixture`) is built once up front, written as one buffer to a raw
 * keep-alive socket, and only the answer's status line and Content-Length are parsed. A request
 * goes to an idle connection; when none is idle a new one is opened, up to `--max-connections`;
 * past that the request is counted as "not sent" (the client could not offer it), never queued.
 * Answer time runs from the request's write to the last byte of its answer.
 *
 *   node --import tsx bench/open-loop-client.ts --port P --fixture FILE --rate SPANS_PER_S
 *     [--duration 15s] [--max-connections 1024] [--timeout 30s] [--json FILE]
 */
import { connect, type Socket } from 'node:net';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { decodeOtlpProtoTraces } from '../src/model/otlp-proto-decode.js';
import { readFixture } from '../src/loadgen/fixture-file.js';
import { percentiles, type LatencySummary } from '../src/loadgen/load-stats.js';

export interface OpenLoopOptions {
  host: string;
  port: number;
  /** OTLP protobuf ExportTraceServiceRequests, replayed in order (and again from the start). */
  bodies: readonly Uint8Array[];
  /** Spans per body, same order. */
  spans: readonly number[];
  spansPerSecond: number;
  durationSeconds: number;
  maxConnections: number;
  /** Connections opened before the first request (a sender that keeps its connections, as SDKs do). */
  preconnect?: number;
  timeoutMillis: number;
}

export interface OpenLoopSummary {
  /** The offering window. */
  seconds: number;
  /** From the first request to the last answer (or timeout): accepted spans/s are counted over this. */
  secondsToLastAnswer: number;
  offeredSpansPerSecond: number;
  /** Spans written to a socket per second (offered minus what found no connection). */
  sentSpansPerSecond: number;
  acceptedSpansPerSecond: number;
  requests: { sent: number; notSent: number; accepted: number; refused: number; otherStatus: number; noAnswer: number };
  /** Answers by status code. */
  statuses: Record<string, number>;
  answerMillis: LatencySummary;
  acceptedAnswerMillis: LatencySummary;
  refusedAnswerMillis: LatencySummary;
  /** Answers to the first request of a new connection: the server's accept queue shows here. */
  firstOnConnectionAnswerMillis: LatencySummary;
  /** Connections opened in all (a server that closes after a refusal makes the client open more). */
  connectionsOpened: number;
  peakConnections: number;
}

interface InFlight {
  spans: number;
  writtenAt: number;
  timer: NodeJS.Timeout;
  /** The first request on a connection just opened (its answer time includes the server accepting it). */
  firstOnConnection: boolean;
}

class Connection {
  private buffer: Buffer = Buffer.alloc(0);
  inFlight: InFlight | undefined;
  open = true;

  constructor(
    readonly socket: Socket,
    private readonly onAnswer: (connection: Connection, status: number, request: InFlight) => void,
    private readonly onClosed: (connection: Connection, request: InFlight | undefined) => void,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      this.open = false;
      const request = this.inFlight;
      this.inFlight = undefined;
      if (request) clearTimeout(request.timer);
      this.onClosed(this, request);
    });
  }

  send(head: Buffer, body: Uint8Array, request: InFlight): void {
    this.inFlight = request;
    // X-Sent-At (wall-clock milliseconds) lets a probe in the server split an answer's time into
    // before and after its handler; Skein ignores it.
    const sentAt = Buffer.from(`X-Sent-At: ${(performance.timeOrigin + performance.now()).toFixed(1)}\r\n\r\n`, 'latin1');
    this.socket.write(Buffer.concat([head, sentAt, body]));
  }

  /** Parses as many whole answers as arrived: the status line, Content-Length, the body skipped. */
  private receive(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const headEnd = this.buffer.indexOf('\r\n\r\n');
      if (headEnd < 0) return;
      const head = this.buffer.subarray(0, headEnd).toString('latin1');
      const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? '0');
      const total = headEnd + 4 + length;
      if (this.buffer.length < total) return;
      this.buffer = this.buffer.subarray(total);
      const status = Number(head.slice(9, 12));
      const request = this.inFlight;
      this.inFlight = undefined;
      if (request) {
        clearTimeout(request.timer);
        this.onAnswer(this, status, request);
      }
    }
  }
}

export async function runOpenLoop(options: OpenLoopOptions): Promise<OpenLoopSummary> {
  const heads = options.bodies.map((body) =>
    Buffer.from(
      `POST /v1/traces HTTP/1.1\r\nHost: ${options.host}:${options.port}\r\nContent-Type: application/x-protobuf\r\n` +
        `Content-Length: ${body.byteLength}\r\nConnection: keep-alive\r\n`,
      'latin1',
    ),
  );
  const idle: Connection[] = [];
  const all = new Set<Connection>();
  let connecting = 0;
  let connectionsOpened = 0;
  let peakConnections = 0;
  const counts = { sent: 0, notSent: 0, accepted: 0, refused: 0, otherStatus: 0, noAnswer: 0 };
  const statuses: Record<string, number> = {};
  let offeredSpans = 0;
  let sentSpans = 0;
  let acceptedSpans = 0;
  const answers: number[] = [];
  const acceptedAnswers: number[] = [];
  const refusedAnswers: number[] = [];
  const firstAnswers: number[] = [];
  let outstanding = 0;
  let drained: (() => void) | undefined;

  const settle = (): void => {
    outstanding--;
    if (outstanding === 0) drained?.();
  };
  const onAnswer = (connection: Connection, status: number, request: InFlight): void => {
    const millis = performance.now() - request.writtenAt;
    answers.push(millis);
    if (request.firstOnConnection) firstAnswers.push(millis);
    statuses[status] = (statuses[status] ?? 0) + 1;
    if (status === 200) {
      counts.accepted++;
      acceptedSpans += request.spans;
      acceptedAnswers.push(millis);
    } else if (status === 429 || status === 503) {
      counts.refused++;
      refusedAnswers.push(millis);
    } else counts.otherStatus++;
    if (connection.open) idle.push(connection);
    settle();
  };
  const onClosed = (connection: Connection, request: InFlight | undefined): void => {
    all.delete(connection);
    const index = idle.indexOf(connection);
    if (index >= 0) idle.splice(index, 1);
    if (request) {
      counts.noAnswer++;
      settle();
    }
  };
  const open = (then: (connection: Connection | undefined) => void): void => {
    connecting++;
    const socket = connect({ host: options.host, port: options.port });
    socket.once('connect', () => {
      connecting--;
      connectionsOpened++;
      const connection = new Connection(socket, onAnswer, onClosed);
      all.add(connection);
      peakConnections = Math.max(peakConnections, all.size);
      then(connection);
    });
    socket.once('error', () => {
      if (socket.connecting) {
        connecting--;
        then(undefined);
      }
    });
  };

  let next = 0;
  const sendOne = (connection: Connection, index: number, firstOnConnection: boolean): void => {
    const spans = options.spans[index]!;
    const request: InFlight = {
      firstOnConnection,
      spans,
      writtenAt: performance.now(),
      timer: setTimeout(() => connection.socket.destroy(), options.timeoutMillis),
    };
    counts.sent++;
    sentSpans += spans;
    connection.send(heads[index]!, options.bodies[index]!, request);
  };
  const offer = (): void => {
    const index = next;
    next = (next + 1) % options.bodies.length;
    offeredSpans += options.spans[index]!;
    outstanding++;
    const ready = idle.pop();
    if (ready) return sendOne(ready, index, false);
    if (all.size + connecting >= options.maxConnections) {
      counts.notSent++;
      return settle();
    }
    open((connection) => {
      if (connection) sendOne(connection, index, true);
      else {
        counts.notSent++;
        settle();
      }
    });
  };

  for (let opened = 0; opened < (options.preconnect ?? 0); opened += 64) {
    const batch = Math.min(64, (options.preconnect ?? 0) - opened);
    await Promise.all(
      Array.from({ length: batch }, () => new Promise<void>((done) => open((connection) => (connection && idle.push(connection), done())))),
    );
  }

  // The schedule: request k is due when the spans before it, at the offered rate, have been sent.
  // A 2 ms tick sends everything due, so a late tick catches up instead of lowering the rate.
  const started = performance.now();
  const endAt = started + options.durationSeconds * 1000;
  let dueSpans = 0;
  await new Promise<void>((done) => {
    const tick = setInterval(() => {
      const now = performance.now();
      const until = Math.min(now, endAt);
      const allowedSpans = ((until - started) / 1000) * options.spansPerSecond;
      while (dueSpans < allowedSpans) {
        dueSpans += options.spans[next]!;
        offer();
      }
      if (now >= endAt) {
        clearInterval(tick);
        done();
      }
    }, 2);
  });
  const seconds = (performance.now() - started) / 1000;
  // Every request still out gets its answer or its timeout.
  if (outstanding > 0) await new Promise<void>((resolve) => (drained = resolve));
  // Answers that come after the window still count, so the rate is over the time they took:
  // counting them over the window alone would credit a backlog as throughput.
  const secondsToLastAnswer = (performance.now() - started) / 1000;
  for (const connection of all) connection.socket.destroy();
  return {
    seconds: Math.round(seconds * 1000) / 1000,
    secondsToLastAnswer: Math.round(secondsToLastAnswer * 1000) / 1000,
    offeredSpansPerSecond: Math.round(offeredSpans / seconds),
    sentSpansPerSecond: Math.round(sentSpans / seconds),
    acceptedSpansPerSecond: Math.round(acceptedSpans / secondsToLastAnswer),
    requests: counts,
    statuses,
    answerMillis: percentiles(answers),
    acceptedAnswerMillis: percentiles(acceptedAnswers),
    refusedAnswerMillis: percentiles(refusedAnswers),
    firstOnConnectionAnswerMillis: percentiles(firstAnswers),
    connectionsOpened,
    peakConnections,
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string' },
      fixture: { type: 'string' },
      rate: { type: 'string' },
      duration: { type: 'string', default: '15' },
      'max-connections': { type: 'string', default: '1024' },
      preconnect: { type: 'string', default: '0' },
      timeout: { type: 'string', default: '30' },
      json: { type: 'string' },
    },
  });
  if (values.port === undefined || values.fixture === undefined || values.rate === undefined)
    throw new Error('usage: open-loop-client.ts --port P --fixture FILE --rate SPANS_PER_S [--duration S] [--json FILE]');
  const bodies = readFixture(values.fixture);
  const summary = await runOpenLoop({
    host: values.host!,
    port: Number(values.port),
    bodies,
    spans: bodies.map((body) => decodeOtlpProtoTraces(body).length),
    spansPerSecond: Number(values.rate),
    durationSeconds: Number.parseFloat(values.duration!),
    maxConnections: Number(values['max-connections']),
    preconnect: Number(values.preconnect),
    timeoutMillis: Number.parseFloat(values.timeout!) * 1000,
  });
  const text = JSON.stringify(summary, null, 2);
  if (values.json) writeFileSync(values.json, text + '\n');
  else console.log(text);
}

if (process.argv[1] !== undefined && import.meta.filename === process.argv[1]) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
