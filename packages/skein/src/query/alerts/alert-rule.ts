import { z } from 'zod';
import { durationMillisSchema } from '../../model/duration-schema.js';
import { isTenantId, DEFAULT_TENANT } from '../../model/tenant.js';
import { planMetricsQuery } from '../tempo/traceql-metrics-plan.js';
import type { MetricsQuery } from '../tempo/tempo-metrics.js';
import { isTraceQLError } from '../traceql/errors.js';
import { parseTraceQL } from '../traceql/parser.js';

/**
 * An alert rule (issue 16, item 1): a TraceQL metrics query, evaluated over the last `window` as
 * one value per series; the rule's condition holds when any series compares true against
 * `threshold`, and the alert fires when it has held for `for`. The same schema parses a rule in
 * the YAML config (`extensions.query.alerts.rules`) and in the API's JSON body, so both answer
 * the same errors, naming the key and the value.
 */

export const ALERT_OPS = ['>', '>=', '<', '<='] as const;
export type AlertOp = (typeof ALERT_OPS)[number];

/** The longest window a rule may read: bounds one evaluation's cost (span metrics read raw spans). */
export const MAX_WINDOW_MILLIS = 60 * 60_000;
const ID = /^[a-z0-9][a-z0-9_-]{0,63}$/;

const traceQLMetricsQuery = z.string().superRefine((text, context) => {
  try {
    planMetricsQuery(parseTraceQL(text));
  } catch (error) {
    if (!isTraceQLError(error)) throw error;
    context.addIssue({
      code: 'custom',
      message: `${JSON.stringify(text)} is not a TraceQL metrics query Skein can evaluate: ${error.message}`,
    });
  }
});

export const alertRuleSchema = z
  .object({
    id: z.string().regex(ID, 'expected 1 to 64 characters: lowercase letters, digits, - and _, starting with a letter or digit').optional(),
    name: z.string().min(1, 'must not be empty').max(200),
    query: traceQLMetricsQuery,
    op: z.enum(ALERT_OPS).default('>'),
    threshold: z.number({ error: 'expected a number' }).finite(),
    for: durationMillisSchema.prefault('0s'),
    window: durationMillisSchema
      .prefault('5m')
      .refine((millis) => millis >= 1 && millis <= MAX_WINDOW_MILLIS, `must be between 1ms and ${MAX_WINDOW_MILLIS / 60_000}m`),
    labels: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'label names are [A-Za-z_][A-Za-z0-9_]*'), z.string()).default({}),
    description: z.string().max(2000).default(''),
    /** Notifier names; left out: every configured notifier. */
    notifiers: z.array(z.string()).optional(),
  })
  .strict();

export type AlertRuleInput = z.input<typeof alertRuleSchema>;
export type AlertRule = z.output<typeof alertRuleSchema> & { id: string };

/** A config rule also names its tenant (default: the single tenant). */
export const configRuleSchema = alertRuleSchema.extend({
  id: alertRuleSchema.shape.id.unwrap(),
  tenant: z
    .string()
    .refine((value) => isTenantId(value), 'expected a tenant id (letters, digits, - _ .)')
    .default(DEFAULT_TENANT),
});

/** The rule as stored (alert_rules_v7): the input form, durations as text, so the schema reads it back. */
export function storedForm(rule: AlertRule): string {
  return JSON.stringify({ ...rule, for: `${rule.for}ms`, window: `${rule.window}ms` });
}

/** The rule's query as storage runs it; the schema already checked that it plans. */
export function planOf(rule: AlertRule): MetricsQuery {
  return planMetricsQuery(parseTraceQL(rule.query));
}

export function compare(value: number, op: AlertOp, threshold: number): boolean {
  switch (op) {
    case '>':
      return value > threshold;
    case '>=':
      return value >= threshold;
    case '<':
      return value < threshold;
    case '<=':
      return value <= threshold;
  }
}

/** Zod's issues as one line per problem, `key: message (got value)`. */
export function issuesText(error: z.ZodError, input: unknown): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.map(String).join('.');
      let value: unknown = input;
      for (const key of issue.path)
        value = value !== null && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[key] : undefined;
      const got = value === undefined ? '' : ` (got ${JSON.stringify(value)})`;
      return `${path === '' ? 'rule' : path}: ${issue.message}${got}`;
    })
    .join('; ');
}
