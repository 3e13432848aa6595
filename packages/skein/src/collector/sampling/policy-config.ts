import { z } from 'zod';
import { compileGoRegex } from './policies/attribute-policies.js';

/**
 * The `tail_sampling` policy schemas, in the OpenTelemetry Collector's shape (`name`, `type`, and a
 * block named after the type), so Collector configs carry over. Unknown keys are rejected: a typo
 * in a sampling policy silently changes what is kept, which is worse than refusing to start.
 *
 * Nesting follows the Collector: `not` wraps one basic policy; `and` and `drop` combine basic and
 * `not` policies; `composite` also takes `and`; only the top level takes `drop` and `composite`.
 */
const name = z.string().min(1, 'a policy needs a name');
const key = z.string().min(1, 'key must not be empty');
const count = z.number().int().min(0);

const alwaysSample = z.object({ name, type: z.literal('always_sample') }).strict();

const latency = z
  .object({
    name,
    type: z.literal('latency'),
    latency: z
      .object({ threshold_ms: count.default(0), upper_threshold_ms: count.default(0) })
      .strict()
      .refine((c) => c.upper_threshold_ms === 0 || c.upper_threshold_ms >= c.threshold_ms, {
        message: 'upper_threshold_ms must be 0 (no upper bound) or ≥ threshold_ms',
        path: ['upper_threshold_ms'],
      }),
  })
  .strict();

const statusCode = z
  .object({
    name,
    type: z.literal('status_code'),
    status_code: z.object({ status_codes: z.array(z.enum(['ERROR', 'OK', 'UNSET'])).min(1) }).strict(),
  })
  .strict();

const probabilistic = z
  .object({
    name,
    type: z.literal('probabilistic'),
    probabilistic: z
      .object({
        sampling_percentage: z.number().min(0).max(100),
        // The Collector's default salt, so that both pick the same traces for the same percentage.
        hash_salt: z.string().default('default-hash-seed'),
      })
      .strict(),
  })
  .strict();

const rateLimiting = z
  .object({
    name,
    type: z.literal('rate_limiting'),
    rate_limiting: z.object({ spans_per_second: z.number().int().positive() }).strict(),
  })
  .strict();

const bytesLimiting = z
  .object({
    name,
    type: z.literal('bytes_limiting'),
    bytes_limiting: z
      .object({
        bytes_per_second: z.number().int().positive(),
        // Absent: twice the rate, as the Collector.
        burst_capacity: z.number().int().positive().optional(),
      })
      .strict(),
  })
  .strict();

const stringAttribute = z
  .object({
    name,
    type: z.literal('string_attribute'),
    string_attribute: z
      .object({
        key,
        values: z.array(z.string()).min(1),
        enabled_regex_matching: z.boolean().default(false),
        // Accepted for Collector compatibility; compiled regexes are few and not worth an LRU here.
        cache_max_size: count.optional(),
        invert_match: z.boolean().default(false),
      })
      .strict()
      .superRefine((c, ctx) => {
        if (!c.enabled_regex_matching) return;
        c.values.forEach((value, i) => {
          try {
            compileGoRegex(value);
          } catch (error) {
            ctx.addIssue({ code: 'custom', path: ['values', i], message: `invalid regex: ${(error as Error).message}` });
          }
        });
      }),
  })
  .strict();

const numericAttribute = z
  .object({
    name,
    type: z.literal('numeric_attribute'),
    numeric_attribute: z
      .object({ key, min_value: z.number().optional(), max_value: z.number().optional(), invert_match: z.boolean().default(false) })
      .strict()
      .refine((c) => c.min_value !== undefined || c.max_value !== undefined, {
        message: 'set min_value, max_value or both',
        path: ['min_value'],
      })
      .refine((c) => c.min_value === undefined || c.max_value === undefined || c.min_value <= c.max_value, {
        message: 'max_value must be ≥ min_value',
        path: ['max_value'],
      }),
  })
  .strict();

const booleanAttribute = z
  .object({
    name,
    type: z.literal('boolean_attribute'),
    boolean_attribute: z.object({ key, value: z.boolean(), invert_match: z.boolean().default(false) }).strict(),
  })
  .strict();

const spanCount = z
  .object({
    name,
    type: z.literal('span_count'),
    span_count: z
      .object({ min_spans: count.default(0), max_spans: count.default(0) })
      .strict()
      .refine((c) => c.max_spans === 0 || c.max_spans >= c.min_spans, {
        message: 'max_spans must be 0 (no upper bound) or ≥ min_spans',
        path: ['max_spans'],
      }),
  })
  .strict();

const traceState = z
  .object({
    name,
    type: z.literal('trace_state'),
    trace_state: z.object({ key, values: z.array(z.string()).min(1) }).strict(),
  })
  .strict();

const basicPolicies = [
  alwaysSample,
  latency,
  statusCode,
  probabilistic,
  rateLimiting,
  bytesLimiting,
  stringAttribute,
  numericAttribute,
  booleanAttribute,
  spanCount,
  traceState,
] as const;

const basicPolicy = z.discriminatedUnion('type', [...basicPolicies]);

const notPolicy = z.object({ name, type: z.literal('not'), not: z.object({ not_sub_policy: basicPolicy }).strict() }).strict();

const andSubPolicy = z.discriminatedUnion('type', [...basicPolicies, notPolicy]);

const andPolicy = z
  .object({ name, type: z.literal('and'), and: z.object({ and_sub_policy: z.array(andSubPolicy).min(1) }).strict() })
  .strict();

const dropPolicy = z
  .object({ name, type: z.literal('drop'), drop: z.object({ drop_sub_policy: z.array(andSubPolicy).min(1) }).strict() })
  .strict();

const compositePolicy = z
  .object({
    name,
    type: z.literal('composite'),
    composite: z
      .object({
        max_total_spans_per_second: z.number().int().positive(),
        policy_order: z.array(z.string()).default([]),
        composite_sub_policy: z.array(z.discriminatedUnion('type', [...basicPolicies, notPolicy, andPolicy])).min(1),
        rate_allocation: z.array(z.object({ policy: z.string(), percent: z.number().min(0).max(100) }).strict()).default([]),
      })
      .strict()
      .superRefine((c, ctx) => {
        const names = new Set(c.composite_sub_policy.map((p) => p.name));
        c.policy_order.forEach((policy, i) => {
          if (!names.has(policy))
            ctx.addIssue({ code: 'custom', path: ['policy_order', i], message: `no composite_sub_policy named "${policy}"` });
        });
        c.rate_allocation.forEach((allocation, i) => {
          if (!names.has(allocation.policy)) {
            ctx.addIssue({
              code: 'custom',
              path: ['rate_allocation', i, 'policy'],
              message: `no composite_sub_policy named "${allocation.policy}"`,
            });
          }
        });
        const total = c.rate_allocation.reduce((sum, allocation) => sum + allocation.percent, 0);
        if (total > 100) ctx.addIssue({ code: 'custom', path: ['rate_allocation'], message: `percentages add up to ${total}, over 100` });
      }),
  })
  .strict();

export const policySchema = z.discriminatedUnion('type', [...basicPolicies, notPolicy, andPolicy, dropPolicy, compositePolicy]);

export type PolicyConfig = z.output<typeof policySchema>;
export type BasicPolicyConfig = z.output<typeof basicPolicy>;
export type AndSubPolicyConfig = z.output<typeof andSubPolicy>;
export type CompositeSubPolicyConfig = z.output<typeof compositePolicy>['composite']['composite_sub_policy'][number];
