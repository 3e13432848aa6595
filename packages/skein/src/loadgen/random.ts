/**
 * A small seeded PRNG (sfc32, seeded through splitmix32) and the distributions the generator
 * draws from. Math.random cannot be seeded, and `--seed` must give byte-identical output, so
 * every random choice of the generator goes through one of these.
 */
export class Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    let s = seed >>> 0;
    const next = (): number => {
      // splitmix32: spreads a small seed (0, 1, 2…) over the whole state
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    for (let i = 0; i < 12; i++) this.uint32();
  }

  uint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.uint32() / 4294967296;
  }

  /** Uniform integer in [min, max] (both inclusive). */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return probability > 0 && this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }

  /** Index drawn by weight; `cumulative` is the running sum of the weights. */
  weightedIndex(cumulative: readonly number[]): number {
    const total = cumulative[cumulative.length - 1] ?? 0;
    const x = this.next() * total;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cumulative[mid]! > x) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** Standard normal (Box–Muller; one value per call keeps the stream simple to reason about). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /**
   * Log-normal with the given median and 99th percentile: real service latencies have this long
   * right tail, which is what makes p99 panels and tail sampling interesting.
   */
  logNormal(median: number, p99: number): number {
    const sigma = p99 > median ? Math.log(p99 / median) / 2.326 : 0;
    return median * Math.exp(sigma * this.normal());
  }

  /**
   * Integer in [1, max], skewed towards small values (a few hot users/products, a long tail of
   * cold ones). skew 0 is uniform.
   */
  skewed(max: number, skew: number): number {
    return 1 + Math.floor(max * Math.pow(this.next(), 1 + skew));
  }

  /** `bytes` random bytes as lowercase hex, never all zero (OTLP forbids all-zero IDs). */
  hexId(bytes: 8 | 16): string {
    for (;;) {
      let out = '';
      let zero = true;
      for (let i = 0; i < bytes; i += 4) {
        const word = this.uint32();
        if (word !== 0) zero = false;
        out += word.toString(16).padStart(8, '0');
      }
      if (!zero) return out;
    }
  }
}
