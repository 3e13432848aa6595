/**
 * Heavy receiver work (decoding a body, the pipeline's synchronous processors) runs one request per
 * event-loop turn, in arrival order.
 *
 * Why: libuv (1.45+, Node 20) accepts one connection per listening socket per loop turn
 * (libuv/libuv#3696), and a turn lasts as long as the callbacks of everything epoll reported ready.
 * Under overload every ready socket with a whole body used to decode and process it inside that
 * same turn, so turns grew to 100-900 ms and new connections waited seconds in the accept queue
 * (3x overload: accept queue up to 350, 10 accepts/s, first answers on new connections up to 15 s).
 * Releasing one request per `setImmediate` keeps a turn to one request's work plus cheap reads, so
 * the listener is polled again after each request.
 */
export class ReceiverTurns {
  private readonly waiting: Array<() => void> = [];
  private scheduled = false;

  /** Resolves when it is this request's turn; the caller does its synchronous work right away. */
  next(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.waiting.push(resolve);
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(this.release);
      }
    });
  }

  get queued(): number {
    return this.waiting.length;
  }

  // An immediate queued from inside one runs in the next loop turn, after the next poll: so each
  // released request's synchronous work (run as microtasks right after this callback) has a turn
  // of its own.
  private readonly release = (): void => {
    this.waiting.shift()?.();
    if (this.waiting.length > 0) setImmediate(this.release);
    else this.scheduled = false;
  };
}

/** The one queue every receiver of the process shares: they share the main thread. */
export const RECEIVER_TURNS = new ReceiverTurns();
