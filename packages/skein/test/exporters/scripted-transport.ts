import type { ExportPayload, OtlpTransport, SendOutcome } from '../../src/collector/exporters/otlp-transport.js';
import type { Span } from '../../src/model/span.js';

export const ACCEPTED: SendOutcome = { kind: 'accepted', rejectedSpans: 0, errorMessage: '' };

/**
 * A transport whose answers the test decides: the next scripted outcome, or `whenEmpty` (accepted
 * by default). `hold()` makes sends wait until `release()`; every send is recorded with its time.
 */
export class ScriptedTransport implements OtlpTransport {
  readonly sends: Array<{ at: number; spans: Span[]; outcome?: SendOutcome }> = [];
  readonly script: SendOutcome[] = [];
  whenEmpty: SendOutcome = ACCEPTED;
  closed = false;
  private held: Array<() => void> | undefined;

  constructor(readonly destination = 'scripted:4317') {}

  async send(payload: ExportPayload): Promise<SendOutcome> {
    const send: (typeof this.sends)[number] = { at: Date.now(), spans: payload.spans() };
    this.sends.push(send);
    if (this.held) await new Promise<void>((resolve) => this.held!.push(resolve));
    send.outcome = this.script.shift() ?? this.whenEmpty;
    return send.outcome;
  }

  hold(): void {
    this.held ??= [];
  }

  release(): void {
    const held = this.held ?? [];
    this.held = undefined;
    for (const resolve of held) resolve();
  }

  get heldSends(): number {
    return this.held?.length ?? 0;
  }

  /** Spans of the sends answered `accepted`: what the destination has. */
  sentSpans(): Span[] {
    return this.sends.flatMap((send) => (send.outcome?.kind === 'accepted' ? send.spans : []));
  }

  close(): void {
    this.closed = true;
  }
}

export const silentLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

export async function until(check: () => boolean, timeoutMillis = 5_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMillis;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
