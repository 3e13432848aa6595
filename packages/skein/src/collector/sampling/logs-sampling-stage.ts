import type { LogRecord } from '../../model/log-record.js';
import { CONSUME_SUCCESS, type AdmissionRequest, type ConsumeResult } from '../pipeline/consume-result.js';
import { overloaded, unavailable } from '../pipeline/consume-status.js';
import type { LogsConsumer, LogsStage } from '../pipeline/logs-consumer.js';
import type { StageContext } from '../pipeline/span-processor.js';
import { traceKeyOfLog, type SamplingDecisionHub } from './sampling-decision-hub.js';
import type { TraceKey } from './trace-key.js';

const RETRY_AFTER_MS = 1_000;

export interface LogsSamplingOptions {
  /** Longest a request waits for its traces' decisions; then its undecided records are kept. */
  readonly maxWaitMs: number;
  /** Records held in requests that wait; beyond, requests are refused (overloaded, retryable). */
  readonly maxHeldRecords: number;
}

/**
 * `tail_sampling` in a logs pipeline (issue 17): log records follow their trace's tail-sampling
 * decision, made by the same processor in the traces pipeline (through its
 * {@link SamplingDecisionHub}). A record of a sampled trace is passed on, one of a trace not
 * sampled is dropped (`tail_sampled_out`), one without trace context passes at once. Opt-in: a
 * logs pipeline without this processor keeps every record whatever happens to its trace.
 *
 * Why the request waits rather than the records being buffered: a decision comes seconds after
 * the logs (SDKs send logs every 1 s, spans every 5 s, and a trace is decided once it is quiet);
 * buffering acknowledged records would need a second journal to survive a crash (ARCHITECTURE
 * decision 4), while a request that waits is acknowledged only once its records are stored or
 * dropped by a decision, so a crash loses nothing acknowledged and the sender retries the rest.
 * The wait is bounded by `logs.max_wait` (default 5 s, below the SDKs' 10 s export timeout): a
 * trace still undecided then (no span of it arrived, or decision_wait is longer) keeps its logs,
 * as the issue's default does. Memory is bounded by `logs.max_held_records`; past it, requests
 * are refused as retryable, and a retry usually finds the decision made and passes at once.
 */
export class LogsSamplingStage implements LogsStage {
  private heldRecords = 0;
  /** Releases of requests waiting (shutdown passes their records on, undecided: kept). */
  private readonly waiting = new Set<() => void>();
  /** Requests being answered: shutdown waits for them, so what it released reaches the next stage before that one stops. */
  private readonly inFlight = new Set<Promise<ConsumeResult>>();
  private closed = false;

  constructor(
    readonly name: string,
    private readonly hub: SamplingDecisionHub,
    private readonly next: LogsConsumer,
    private readonly context: StageContext,
    private readonly options: LogsSamplingOptions,
  ) {}

  consume(logs: LogRecord[]): Promise<ConsumeResult> {
    if (this.closed) return Promise.resolve(unavailable(`${this.name} is shutting down`, RETRY_AFTER_MS));
    const answer = this.follow(logs);
    this.inFlight.add(answer);
    const settled = (): void => void this.inFlight.delete(answer);
    answer.then(settled, settled);
    return answer;
  }

  private async follow(logs: LogRecord[]): Promise<ConsumeResult> {
    const decisions = new Map<TraceKey, string | false | undefined>();
    const undecided = new Set<TraceKey>();
    let heldHere = 0;
    for (const log of logs) {
      if (log.traceId === '') continue;
      const key = traceKeyOfLog(log);
      if (!decisions.has(key)) {
        const decision = this.hub.decisionOf(key);
        decisions.set(key, decision);
        if (decision === undefined) undecided.add(key);
      }
      if (undecided.has(key)) heldHere++;
    }
    if (undecided.size > 0) {
      if (this.heldRecords > 0 && this.heldRecords + heldHere > this.options.maxHeldRecords) {
        return overloaded(
          `${this.name} is full (${this.heldRecords} log records wait for their traces' decisions, limit logs.max_held_records ${this.options.maxHeldRecords})`,
          RETRY_AFTER_MS,
        );
      }
      this.heldRecords += heldHere;
      try {
        for (const [key, decision] of await this.waitFor(undecided)) decisions.set(key, decision);
      } finally {
        this.heldRecords -= heldHere;
      }
    }
    const kept = logs.filter((log) => log.traceId === '' || decisions.get(traceKeyOfLog(log)) !== false);
    if (kept.length < logs.length) {
      this.context.metrics.droppedLogRecords.inc({ processor: this.name, reason: 'tail_sampled_out' }, logs.length - kept.length);
    }
    return kept.length === 0 ? CONSUME_SUCCESS : this.next.consume(kept);
  }

  admission(request?: AdmissionRequest): ConsumeResult | undefined {
    if (this.heldRecords >= this.options.maxHeldRecords) {
      return overloaded(`${this.name} is full (${this.heldRecords} log records wait for their traces' decisions)`, RETRY_AFTER_MS);
    }
    return this.next.admission?.(request);
  }

  /** Records in requests waiting for decisions. */
  get held(): number {
    return this.heldRecords;
  }

  /** Passes on what waits (undecided: kept) and refuses new requests; the next stages still run. */
  async shutdown(): Promise<void> {
    this.closed = true;
    for (const release of [...this.waiting]) release();
    await Promise.allSettled([...this.inFlight]);
  }

  /** The decisions made for `keys` within max_wait (a key without one is left out). */
  private waitFor(keys: ReadonlySet<TraceKey>): Promise<Map<TraceKey, string | false>> {
    return new Promise((resolve) => {
      const made = new Map<TraceKey, string | false>();
      const stops: Array<() => void> = [];
      let done = false;
      const finish = (): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        for (const stop of stops) stop();
        this.waiting.delete(finish);
        resolve(made);
      };
      // Not unref'd: it is cleared when the decisions come, and it bounds the wait in any case.
      const timer = setTimeout(finish, this.options.maxWaitMs);
      this.waiting.add(finish);
      for (const key of keys) {
        stops.push(
          this.hub.whenDecided(key, (decision) => {
            made.set(key, decision);
            if (made.size === keys.size) finish();
          }),
        );
      }
    });
  }
}
