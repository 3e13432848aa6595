import type { ConsumeResult } from './consume-result.js';

/**
 * The Collector's `retry_on_failure`: exponential backoff with randomisation, where a server's
 * own hint (Retry-After, RetryInfo) is a floor: we never come back sooner than it asked.
 */
export interface RetryPolicy {
  readonly enabled: boolean;
  readonly initialIntervalMillis: number;
  /** Each delay is the interval ± this fraction, so retries from many clients do not align. */
  readonly randomizationFactor: number;
  readonly multiplier: number;
  readonly maxIntervalMillis: number;
  /** Time spent on one batch before giving up; 0 = never give up. */
  readonly maxElapsedMillis: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  enabled: true,
  initialIntervalMillis: 5_000,
  randomizationFactor: 0.5,
  multiplier: 1.5,
  maxIntervalMillis: 30_000,
  maxElapsedMillis: 300_000,
};

/** Delay before retry number `attempt` (0 for the first retry). */
export function retryDelayMillis(
  policy: RetryPolicy,
  attempt: number,
  serverHintMillis?: number,
  random: () => number = Math.random,
): number {
  const interval = Math.min(policy.maxIntervalMillis, policy.initialIntervalMillis * policy.multiplier ** attempt);
  const jittered = interval * (1 - policy.randomizationFactor + 2 * policy.randomizationFactor * random());
  const backoff = Math.round(Math.min(policy.maxIntervalMillis, Math.max(0, jittered)));
  return serverHintMillis === undefined ? backoff : Math.max(backoff, serverHintMillis);
}

/** Resolves after `millis`, or at once when `signal` aborts (shutdown must not wait out a backoff). */
export function sleep(millis: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, millis);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * What one attempt came to, as the retry loop sees it. `error` is the caller's own description of
 * what went wrong (passed back untouched); `hintMillis` is the server's own delay hint, a floor.
 */
export type AttemptResult<S, E> =
  | { readonly kind: 'success'; readonly value: S }
  | { readonly kind: 'failure'; readonly error: E }
  | { readonly kind: 'retryable'; readonly error: E; readonly hintMillis?: number | undefined };

/** How a retry loop ended. */
export type RetryResult<S, E> =
  | { readonly kind: 'success'; readonly value: S }
  /** Refused for good: trying again cannot help. */
  | { readonly kind: 'failure'; readonly error: E }
  /** Retries are off, or the next one would pass `max_elapsed_time`: the caller should retry after `retryAfterMillis`. */
  | { readonly kind: 'gave-up'; readonly error: E; readonly retryAfterMillis: number }
  /** `signal` aborted (shutdown, hand-over) before a success; `error` is the last retryable one. */
  | { readonly kind: 'interrupted'; readonly error: E };

export interface RetryOptions<E> {
  /**
   * Never give up on a retryable error, whatever `enabled` and `max_elapsed_time` say: for data
   * that was already acknowledged and that only the caller holds (an on-disk queue, a journal).
   */
  readonly untilDone?: boolean;
  /** Told before each backoff sleep (for a rate-limited warning). */
  onRetry?(error: E, delayMillis: number, attempt: number): void;
}

/**
 * Runs `attempt` until it succeeds or fails for good, sleeping `retryDelayMillis` between tries;
 * the one retry loop of Skein (OTLP exporters, hand-over on retire, tail-sampling delivery). The
 * first attempt always runs; `signal` cuts a backoff short and ends the loop as `interrupted`.
 */
export async function retryWithPolicy<S, E>(
  attempt: (attemptNumber: number) => Promise<AttemptResult<S, E>>,
  policy: RetryPolicy,
  signal: AbortSignal,
  options: RetryOptions<E> = {},
): Promise<RetryResult<S, E>> {
  const started = Date.now();
  for (let attemptNumber = 0; ; attemptNumber++) {
    const result = await attempt(attemptNumber);
    if (result.kind !== 'retryable') return result;
    if (signal.aborted) return { kind: 'interrupted', error: result.error };
    const delay = retryDelayMillis(policy, attemptNumber, result.hintMillis);
    const { maxElapsedMillis } = policy;
    const outOfTime = maxElapsedMillis > 0 && Date.now() - started + delay > maxElapsedMillis;
    if (options.untilDone !== true && (!policy.enabled || outOfTime)) {
      return { kind: 'gave-up', error: result.error, retryAfterMillis: delay };
    }
    options.onRetry?.(result.error, delay, attemptNumber);
    await sleep(delay, signal);
    if (signal.aborted) return { kind: 'interrupted', error: result.error };
  }
}

/** A `ConsumeResult` (the next stage's answer) as an attempt: its retry hint is the floor. */
export function attemptOfConsumeResult(result: ConsumeResult): AttemptResult<void, ConsumeResult> {
  if (result.outcome === 'success') return { kind: 'success', value: undefined };
  if (result.outcome === 'failure') return { kind: 'failure', error: result };
  return { kind: 'retryable', error: result, hintMillis: result.retryAfterMillis };
}
