/**
 * Decisions of traces that have left the buffer, so that late spans follow their trace's decision
 * (architecture decision 5): two LRU caches of trace IDs, one for "sampled" and one for "not
 * sampled", sized separately as in the Collector (`decision_cache.sampled_cache_size`,
 * `non_sampled_cache_size`; 0 turns one off). A Map keeps insertion order, so re-inserting on
 * access makes its first key the least recently used.
 */
export class DecisionCache {
  /** trace ID → the policy that sampled it (late spans get the same `tailsampling.policy`). */
  private readonly sampled = new Map<string, string>();
  private readonly notSampled = new Map<string, true>();

  constructor(
    private readonly sampledCapacity: number,
    private readonly notSampledCapacity: number,
  ) {}

  /**
   * The cached decision, refreshing its recency: the sampling policy's name when the trace was
   * sampled, false when it was not, undefined when not cached.
   */
  get(traceId: string): string | false | undefined {
    const policy = this.sampled.get(traceId);
    if (policy !== undefined) {
      this.sampled.delete(traceId);
      this.sampled.set(traceId, policy);
      return policy;
    }
    if (this.notSampled.delete(traceId)) {
      this.notSampled.set(traceId, true);
      return false;
    }
    return undefined;
  }

  /** Records a decision: the sampling policy's name, or false for "not sampled". */
  put(traceId: string, decision: string | false): void {
    if (decision === false) {
      this.sampled.delete(traceId);
      insertBounded(this.notSampled, traceId, true, this.notSampledCapacity);
    } else {
      this.notSampled.delete(traceId);
      insertBounded(this.sampled, traceId, decision, this.sampledCapacity);
    }
  }

  get size(): number {
    return this.sampled.size + this.notSampled.size;
  }

  /** Every cached decision, least recently used first (what a journal snapshot records). */
  *entries(): IterableIterator<[traceId: string, decision: string | false]> {
    yield* this.sampled.entries();
    for (const traceId of this.notSampled.keys()) yield [traceId, false];
  }
}

function insertBounded<V>(cache: Map<string, V>, key: string, value: V, capacity: number): void {
  if (capacity === 0) return;
  cache.delete(key);
  cache.set(key, value);
  if (cache.size > capacity) cache.delete(cache.keys().next().value!);
}
