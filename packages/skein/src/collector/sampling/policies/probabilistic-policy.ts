import type { Decision, PolicyEvaluator, TraceView } from './policy.js';

const FNV64_OFFSET = 0xcbf29ce484222325n;
const FNV64_PRIME = 0x100000001b3n;
const MAX_UINT64 = 0xffffffffffffffffn;

/**
 * `probabilistic`: `sampling_percentage` % of traces, decided from the trace ID alone, so every
 * collector (and a restarted one) keeps the same traces — architecture decision 5. The Collector's
 * algorithm: FNV-1a 64 over the salt's UTF-8 bytes then the 16 trace-ID bytes, sampled when the
 * hash is ≤ percentage × (2^64 − 1). Same salt and percentage as a Collector: same traces.
 */
export class ProbabilisticPolicy implements PolicyEvaluator {
  private readonly threshold: bigint;
  /** The hash state after the salt, computed once. */
  private readonly saltedState: bigint;

  constructor(samplingPercentage: number, hashSalt: string) {
    // ratio × 2^60 is exact in float64 (a power-of-two scale); the fraction below 2^-60 is noise.
    const ratio = Math.min(Math.max(samplingPercentage / 100, 0), 1);
    this.threshold = (MAX_UINT64 * BigInt(Math.floor(ratio * 2 ** 60))) >> 60n;
    this.saltedState = fnv1a64(FNV64_OFFSET, new TextEncoder().encode(hashSalt === '' ? 'default-hash-seed' : hashSalt));
  }

  evaluate(trace: TraceView): Decision {
    return this.hash(trace.traceId) <= this.threshold ? 'sampled' : 'not_sampled';
  }

  /** Exposed for tests that compare against the Collector's hash. */
  hash(traceIdHex: string): bigint {
    return fnv1a64(this.saltedState, Buffer.from(traceIdHex, 'hex'));
  }
}

function fnv1a64(state: bigint, bytes: Uint8Array): bigint {
  let hash = state;
  for (const byte of bytes) hash = BigInt.asUintN(64, (hash ^ BigInt(byte)) * FNV64_PRIME);
  return hash;
}
