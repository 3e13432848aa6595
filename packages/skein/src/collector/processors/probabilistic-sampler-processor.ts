import { z } from 'zod';
import type { Span } from '../../model/span.js';
import { MAX_THRESHOLD, formatRandomness, formatThreshold, parseOtTraceState, updateOtTraceState } from './ot-tracestate.js';
import type { ProcessorFactory } from '../pipeline/component-factories.js';
import type { SpanProcessor } from '../pipeline/span-processor.js';

/**
 * `probabilistic_sampler`: head sampling that every collector decides the same way for a trace,
 * as the OpenTelemetry Collector's probabilistic sampler and the "TraceState: Probability
 * Sampling" spec (https://opentelemetry.io/docs/specs/otel/trace/tracestate-probability-sampling/).
 *
 * ```yaml
 * processors:
 *   probabilistic_sampler:
 *     sampling_percentage: 10   # required, 0–100 (above 100 counts as 100)
 *     hash_seed: 0              # ≠ 0 selects hash_seed mode
 *     mode: equalizing          # equalizing | proportional | hash_seed; default: hash_seed when
 *                               #   hash_seed ≠ 0, else equalizing
 *     sampling_precision: 4     # hex digits of the th: written (more for tiny percentages)
 *     fail_closed: true         # drop spans whose incoming th: contradicts their randomness
 * ```
 *
 * Consistent modes: randomness R is the `rv:` of the `ot` tracestate member when present, else
 * the 56 least-significant bits of the trace ID; the rejection threshold T is (1 − p) × 2^56;
 * a span is kept when R ≥ T, and kept spans carry `ot=th:<T>` so later samplers and backends know
 * their adjusted count. An incoming th: is honoured: `equalizing` keeps the stricter of it and
 * ours (spans already sampled at a lower rate keep it), `proportional` multiplies the incoming
 * probability by p.
 *
 * hash_seed mode (the Collector's original algorithm): FNV-1a over the seed (4 bytes little-endian)
 * and the 16 trace-ID bytes, 14 bits of it compared against p × 2^14. Different seeds give
 * independent decisions, for layered samplers that must not keep the same traces. When a span has
 * no `ot` rv:/th:, kept spans get the derived rv: and th: like the Collector writes them; when it
 * has them, its tracestate is left as it is.
 */
export const probabilisticSamplerConfigSchema = z
  .object({
    sampling_percentage: z
      .number()
      .min(0)
      .transform((percent) => Math.min(percent, 100)),
    hash_seed: z.number().int().min(0).max(0xffffffff).default(0),
    mode: z.enum(['equalizing', 'proportional', 'hash_seed']).optional(),
    sampling_precision: z.number().int().min(1).max(14).default(4),
    fail_closed: z.boolean().default(true),
  })
  .strict();

export type ProbabilisticSamplerConfig = z.output<typeof probabilisticSamplerConfigSchema>;

const HASH_BUCKETS = 0x4000;

export class ProbabilisticSamplerProcessor implements SpanProcessor {
  kept = 0;
  dropped = 0;
  readonly dropReason = 'head_sampled_out';
  private readonly mode: 'equalizing' | 'proportional' | 'hash_seed';
  private readonly ratio: number;
  /** Our own rejection threshold (in hash_seed mode, on the derived randomness). */
  private readonly threshold: bigint;

  constructor(
    readonly name: string,
    private readonly config: ProbabilisticSamplerConfig,
  ) {
    this.mode = config.mode ?? (config.hash_seed !== 0 ? 'hash_seed' : 'equalizing');
    this.ratio = config.sampling_percentage / 100;
    if (this.mode === 'hash_seed') {
      // As the Collector: the percentage scaled to 14 bits in 32-bit float arithmetic, truncated.
      const scaled = Math.trunc(Math.fround(Math.fround(config.sampling_percentage) * Math.fround(HASH_BUCKETS / 100)));
      this.threshold = BigInt(HASH_BUCKETS - Math.min(scaled, HASH_BUCKETS)) << 42n;
    } else {
      this.threshold = probabilityToThreshold(this.ratio, config.sampling_precision);
    }
  }

  process(spans: Span[]): Span[] {
    const kept = spans.filter((span) => this.sample(span));
    this.kept += kept.length;
    this.dropped += spans.length - kept.length;
    return kept;
  }

  /** Decides one span; a kept span's tracestate is updated in place (it is the span's own field). */
  private sample(span: Span): boolean {
    if (this.ratio === 0) return false;
    const incoming = parseOtTraceState(span.traceState);
    if (this.mode === 'hash_seed') {
      const randomness = hashSeedRandomness(span.traceId, this.config.hash_seed);
      if (randomness < this.threshold) return false;
      if (incoming.randomness === undefined && incoming.threshold === undefined) {
        span.traceState = updateOtTraceState(span.traceState, { th: formatThreshold(this.threshold), rv: formatRandomness(randomness) });
      }
      return true;
    }
    const randomness = incoming.randomness ?? BigInt('0x' + span.traceId.slice(-14));
    let incomingThreshold = incoming.threshold;
    if (incomingThreshold !== undefined && randomness < incomingThreshold) {
      // The span claims a sampling its randomness rules out: the th: is wrong, the spec says erase it.
      if (this.config.fail_closed) return false;
      incomingThreshold = undefined;
    }
    const threshold = this.effectiveThreshold(incomingThreshold);
    if (threshold >= MAX_THRESHOLD || randomness < threshold) return false;
    span.traceState = updateOtTraceState(span.traceState, { th: formatThreshold(threshold) });
    return true;
  }

  private effectiveThreshold(incoming: bigint | undefined): bigint {
    if (incoming === undefined) return this.threshold;
    if (this.mode === 'equalizing') return incoming > this.threshold ? incoming : this.threshold;
    const incomingProbability = Number(MAX_THRESHOLD - incoming) / 2 ** 56;
    const threshold = probabilityToThreshold(incomingProbability * this.ratio, this.config.sampling_precision);
    return threshold > incoming ? threshold : incoming;
  }
}

/**
 * T = (1 − p) × 2^56, rounded to `precision` hex digits; small probabilities get extra digits for
 * their leading `f`s (as the Collector's ProbabilityToThresholdWithPrecision), so 0.1 % stays
 * 0.1 % and not 0 %.
 */
export function probabilityToThreshold(probability: number, precision: number): bigint {
  if (probability >= 1) return 0n;
  if (probability <= 2 ** -56) return MAX_THRESHOLD;
  let digits = precision;
  if (probability < 0.5) {
    const exponent = (x: number) => Math.floor(Math.log2(x)) + 1;
    digits = Math.min(14, Math.max(digits + Math.trunc(exponent(probability) / -4), digits + Math.trunc(exponent(1 - probability) / -4)));
  }
  let threshold = MAX_THRESHOLD - BigInt(Math.round(probability * 2 ** 56));
  if (digits < 14) {
    const shift = BigInt(4 * (14 - digits));
    threshold = ((threshold + (1n << (shift - 1n))) >> shift) << shift;
    if (threshold >= MAX_THRESHOLD) threshold = MAX_THRESHOLD - (1n << shift);
  }
  return threshold;
}

/**
 * The Collector's hash_seed randomness: 14 hash bits decide (R' = 2^14 − 1 − hash, in the top bits,
 * so that "hash < p × 2^14" reads as the spec's R ≥ T); the rest fills the 56 bits.
 */
export function hashSeedRandomness(traceId: string, seed: number): bigint {
  const hash = fnv1a32(seed, traceId);
  const hashed = BigInt(hash & (HASH_BUCKETS - 1));
  const unused18 = BigInt(hash >>> 14);
  const mixed28 = unused18 ^ (unused18 << 10n);
  return ((BigInt(HASH_BUCKETS - 1) - hashed) << 42n) | (mixed28 << 14n) | hashed;
}

function fnv1a32(seed: number, traceIdHex: string): number {
  let hash = 0x811c9dc5;
  const step = (byte: number) => {
    hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  };
  for (let i = 0; i < 4; i++) step((seed >>> (8 * i)) & 0xff);
  for (let i = 0; i < traceIdHex.length; i += 2) step(parseInt(traceIdHex.slice(i, i + 2), 16));
  return hash >>> 0;
}

export const probabilisticSamplerProcessorFactory: ProcessorFactory<ProbabilisticSamplerConfig> = {
  kind: 'processor',
  type: 'probabilistic_sampler',
  configSchema: probabilisticSamplerConfigSchema,
  // The Collector's defaults; sampling_percentage must be written (0 would drop everything).
  createDefaultConfig: () => ({ sampling_percentage: 0, hash_seed: 0, sampling_precision: 4, fail_closed: true }),
  create: (settings, config) => ({ kind: 'processor', processor: new ProbabilisticSamplerProcessor(settings.id.text, config) }),
};
