import { z } from 'zod';
import { durationMillisSchema } from '../../model/duration-schema.js';
import { configRuleSchema } from './alert-rule.js';

/**
 * `extensions.query.alerts` (docs/alerts.md): how often rules are evaluated, where notifications
 * go, and rules written in the config. Rules created through the API live in ClickHouse beside
 * the config's; a config rule cannot be changed or deleted through the API (the file would bring
 * it back), only silenced.
 *
 * ```yaml
 * extensions:
 *   query:
 *     alerts:
 *       evaluation_interval: 30s
 *       external_url: https://skein.example.com      # trace links in notifications
 *       notifiers:
 *         - { name: am, type: alertmanager, url: http://alertmanager:9093/api/v2/alerts }
 *         - { name: hook, type: webhook, url: https://hooks.example.com/skein, headers: { X-Token: abc } }
 *       rules:
 *         - id: checkout-p99
 *           name: checkout p99 above 1s
 *           query: '{ resource.service.name = "checkout" && kind = server } | quantile_over_time(duration, 0.99)'
 *           threshold: 1        # seconds: TraceQL durations are in seconds
 *           for: 5m
 *           window: 5m
 * ```
 */

export const notifierConfigSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'expected 1 to 64 letters, digits, _ . -'),
    type: z.enum(['alertmanager', 'webhook']),
    url: z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' }),
    headers: z.record(z.string(), z.string()).default({}),
    timeout: durationMillisSchema.prefault('10s'),
    retry_on_failure: z
      .object({
        initial_interval: durationMillisSchema.prefault('1s'),
        max_interval: durationMillisSchema.prefault('30s'),
        max_elapsed_time: durationMillisSchema.prefault('5m'),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type NotifierConfig = z.output<typeof notifierConfigSchema>;

export const alertsConfigSchema = z
  .object({
    evaluation_interval: durationMillisSchema.prefault('30s').refine((millis) => millis >= 100, 'must be at least 100ms'),
    /** Longest one rule's evaluation may take before it is abandoned for this round. */
    evaluation_timeout: durationMillisSchema.prefault('10s').refine((millis) => millis >= 10, 'must be at least 10ms'),
    /**
     * Longest the top-attribute ranking of a firing alert may take; past it the notification goes
     * out saying the ranking timed out (alert-evidence.ts).
     */
    evidence_timeout: durationMillisSchema.prefault('5s').refine((millis) => millis >= 10, 'must be at least 10ms'),
    /** How long an evaluator's claim lasts without renewal; default: 3 evaluation intervals, at least 5s. */
    lease_duration: durationMillisSchema.optional(),
    external_url: z.url({ protocol: /^https?$/ }).default('http://localhost:16686'),
    max_rules_per_tenant: z.number().int().min(1).max(10_000).default(200),
    notifiers: z.array(notifierConfigSchema).default([]),
    rules: z.array(configRuleSchema).default([]),
  })
  .strict()
  .superRefine((config, context) => {
    const notifiers = new Set<string>();
    config.notifiers.forEach((notifier, i) => {
      if (notifiers.has(notifier.name))
        context.addIssue({
          code: 'custom',
          path: ['notifiers', i, 'name'],
          message: `duplicate notifier name ${JSON.stringify(notifier.name)}`,
        });
      notifiers.add(notifier.name);
    });
    const ids = new Set<string>();
    config.rules.forEach((rule, i) => {
      const key = `${rule.tenant}/${rule.id}`;
      if (ids.has(key))
        context.addIssue({ code: 'custom', path: ['rules', i, 'id'], message: `duplicate rule id ${JSON.stringify(rule.id)}` });
      ids.add(key);
      (rule.notifiers ?? []).forEach((name, j) => {
        if (!notifiers.has(name))
          context.addIssue({ code: 'custom', path: ['rules', i, 'notifiers', j], message: `no notifier named ${JSON.stringify(name)}` });
      });
    });
  });

export type AlertsConfig = z.output<typeof alertsConfigSchema>;
