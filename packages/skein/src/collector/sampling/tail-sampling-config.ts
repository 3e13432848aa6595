import { z } from 'zod';
import { ConfigError } from '../../model/config-error.js';
import { durationMillisSchema } from '../../model/duration-schema.js';
import { policySchema } from './policy-config.js';

const cacheSize = z.number().int().min(0).default(100_000);

const journalSchema = z.union([
  z.boolean().transform((enabled) => (enabled ? { max_size_mib: 1024, segment_size_mib: 64 } : false)),
  z
    .object({
      max_size_mib: z.number().positive().default(1024),
      segment_size_mib: z.number().positive().default(64),
    })
    .strict()
    .refine((c) => c.segment_size_mib <= c.max_size_mib, {
      message: 'segment_size_mib must be ≤ max_size_mib',
      path: ['segment_size_mib'],
    }),
]);

/**
 * `tail_sampling`: the OpenTelemetry Collector's tail sampling processor configuration (same keys,
 * so a Collector config carries over), plus Skein keys for early decisions, bounds and the
 * crash-safe journal. Durations are Go duration strings (model/duration-schema.ts; a bare number
 * other than 0 is an error), parsed to milliseconds (the sampler's
 * clock unit). docs/configuration.md has the reference with every default.
 *
 * ```yaml
 * tail_sampling:
 *   decision_wait: 10s              # decide this long after a trace's first span (default 30s)
 *   num_traces: 50000               # buffered traces; beyond it the oldest are decided early
 *   expected_new_traces_per_sec: 0  # accepted (a sizing hint in the Collector)
 *   decision_cache: { sampled_cache_size: 100000, non_sampled_cache_size: 100000 }
 *   early_decision_quiet_period: 1s # Skein: decide once the root span ended and the trace is quiet (0: off)
 *   max_spans_per_trace: 10000      # Skein: a trace reaching it is decided at once (0: no cap)
 *   max_buffered_spans: 500000      # Skein: spans held in memory; beyond → retryable (overloaded)
 *   journal: { max_size_mib: 1024, segment_size_mib: 64 }  # or false: no durability
 *   logs: { max_wait: 5s, max_held_records: 100000 }      # Skein: when also in a logs pipeline
 *   policies: [...]                 # see policy-config.ts
 * ```
 *
 * The decision caches default to 100 000 entries each, not the Collector's 0: Skein removes a
 * trace from the buffer when it is decided, so the cache is the only thing that makes late spans
 * follow their trace's decision (architecture decision 5).
 */
export const tailSamplingConfigSchema = z
  .object({
    decision_wait: durationMillisSchema.default(30_000).refine((ms) => ms > 0, 'decision_wait must be more than 0'),
    num_traces: z.number().int().positive().default(50_000),
    expected_new_traces_per_sec: z.number().int().min(0).default(0),
    decision_cache: z
      .object({ sampled_cache_size: cacheSize, non_sampled_cache_size: cacheSize })
      .strict()
      .default({ sampled_cache_size: 100_000, non_sampled_cache_size: 100_000 }),
    early_decision_quiet_period: durationMillisSchema.default(1_000),
    max_spans_per_trace: z.number().int().min(0).default(10_000),
    max_buffered_spans: z.number().int().positive().default(500_000),
    journal: journalSchema.default({ max_size_mib: 1024, segment_size_mib: 64 }),
    // Listed in a logs pipeline too, the processor makes logs follow their trace's decision
    // (logs-sampling-stage.ts): a request waits at most max_wait for its traces' decisions.
    logs: z
      .object({
        max_wait: durationMillisSchema.default(5_000).refine((ms) => ms > 0, 'max_wait must be more than 0'),
        max_held_records: z.number().int().positive().default(100_000),
      })
      .strict()
      .default({ max_wait: 5_000, max_held_records: 100_000 }),
    policies: z.array(policySchema).min(1, 'at least one policy is needed'),
  })
  .strict()
  .superRefine((c, ctx) => {
    const seen = new Set<string>();
    c.policies.forEach((policy, i) => {
      if (seen.has(policy.name))
        ctx.addIssue({ code: 'custom', path: ['policies', i, 'name'], message: `duplicate policy name "${policy.name}"` });
      seen.add(policy.name);
    });
  });

export type TailSamplingConfig = z.output<typeof tailSamplingConfigSchema>;
export type TailSamplingJournalConfig = Exclude<TailSamplingConfig['journal'], false>;

/**
 * The configuration of an empty `tail_sampling` section: every default, and no policies (which
 * the schema refuses, as there is nothing to sample by; the Collector's default has none either).
 */
export function defaultTailSamplingConfig(): TailSamplingConfig {
  const placeholder = { name: 'placeholder', type: 'always_sample' };
  return { ...tailSamplingConfigSchema.parse({ policies: [placeholder] }), policies: [] };
}

/** Parses a `tail_sampling` section; the ConfigError names every bad key by its path, and its value. */
export function parseTailSamplingConfig(input: unknown): TailSamplingConfig {
  const result = tailSamplingConfigSchema.safeParse(input);
  if (result.success) return result.data;
  throw ConfigError.ofIssues('invalid tail_sampling config', 'tail_sampling', result.error.issues, input);
}
