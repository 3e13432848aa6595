import type { AdmissionRequest } from './consume-result.js';

/**
 * One request's admission (consume-result.ts `AdmissionRequest`): made by the receivers' shared
 * decision point when the request's headers arrive, settled exactly once, by the receiver, when the
 * request's items are handed to the pipeline or when it ends without that (refused, undecodable,
 * abandoned). Settling runs every consumer's hold, so work counted as arriving is never left behind.
 */
export class AdmissionTicket implements AdmissionRequest {
  private holds: Array<(items: number | undefined) => void> = [];
  private settled = false;

  constructor(readonly declaredBytes: number | undefined) {}

  hold(onSettled: (items: number | undefined) => void): void {
    if (this.settled) onSettled(undefined);
    else this.holds.push(onSettled);
  }

  /** `items` handed to consume() (call it just before that call), or undefined: none. Only the first call counts. */
  settle(items?: number): void {
    if (this.settled) return;
    this.settled = true;
    const holds = this.holds;
    this.holds = [];
    for (const onSettled of holds) onSettled(items);
  }
}
