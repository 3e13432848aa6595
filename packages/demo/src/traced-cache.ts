import { trace } from '@opentelemetry/api';

const tracer = trace.getTracer('@skein/demo/cache');

/**
 * An in-process TTL cache whose look-ups are spans (`cache.get {name}`, with `cache.hit`), so a
 * trace shows whether a request was served from cache or went to the database. In-process rather
 * than a Redis/memcached server: the demo must start with one command on a bare machine, and the
 * trace shape (a short cache span, then a DB span on a miss) is the same. The attribute names are
 * the demo's own: OpenTelemetry has no cache conventions yet.
 */
export class TracedCache<V> {
  private readonly entries = new Map<string, { value: V; expiresAt: number }>();
  private hits = 0;
  private misses = 0;

  constructor(
    readonly name: string,
    private readonly ttlMs: number,
    private readonly maxEntries: number,
  ) {}

  /** The cached value for `key`, or `load()`'s result (then cached); `load` runs outside the cache span. */
  async getOrLoad(key: string, load: () => Promise<V>): Promise<V> {
    const cached = this.lookup(key);
    if (cached !== undefined) return cached.value;
    const value = await load();
    this.store(key, value);
    return value;
  }

  private lookup(key: string): { value: V } | undefined {
    return tracer.startActiveSpan(`cache.get ${this.name}`, (span) => {
      const entry = this.entries.get(key);
      const hit = entry !== undefined && entry.expiresAt > performance.now();
      if (entry !== undefined && !hit) this.entries.delete(key);
      if (hit) {
        // Map keeps insertion order: re-inserting marks the entry most recently used.
        this.entries.delete(key);
        this.entries.set(key, entry);
        this.hits++;
      } else this.misses++;
      span.setAttributes({
        'cache.name': this.name,
        'cache.key': key,
        'cache.hit': hit,
        'cache.hit_ratio': this.hits / (this.hits + this.misses),
        'cache.size': this.entries.size,
      });
      span.end();
      return hit ? { value: entry.value } : undefined;
    });
  }

  private store(key: string, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAt: performance.now() + this.ttlMs });
    if (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }
}
