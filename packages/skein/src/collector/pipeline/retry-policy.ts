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
