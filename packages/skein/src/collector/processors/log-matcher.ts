import { z } from 'zod';
import { severityOfName, type LogRecord } from '../../model/log-record.js';
import { regexSchema } from './config-values.js';
import { attributeMatchSchema, attributeTest } from './span-matcher.js';

/**
 * Log record selection for the `filter` processor's logs form: the OpenTelemetry Collector's
 * `filterconfig.LogMatchProperties` (filter processor `logs.include` / `logs.exclude`, the
 * pre-OTTL shape), so a Collector config carries over.
 *
 * Every criterion given must hold (AND); inside a list, any entry may match (OR) — except the
 * attribute lists, where every listed key must match, as in the Collector.
 *
 * ```yaml
 * match_type: regexp                 # strict (default) | regexp: severity texts, bodies, string values
 * resource_attributes: [{ key: service.name, value: checkout }]
 * record_attributes: [{ key: http.route, value: /healthz }]
 * severity_texts: ['INFO[2-4]?']
 * severity_number: { min: WARN, match_undefined: false }  # min: 1-24 or a name (info, WARN2, …)
 * bodies: ['^GET /healthz']          # string bodies only
 * ```
 */
const severityNumberSchema = z.union([z.number(), z.string()]).transform((value, ctx) => {
  const number = typeof value === 'number' ? value : severityNumberOfText(value);
  if (number === undefined || !Number.isInteger(number) || number < 1 || number > 24) {
    ctx.addIssue({
      code: 'custom',
      message: `severity_number.min: expected 1-24 or a name such as INFO or warn2 (got ${JSON.stringify(value)})`,
    });
    return 0;
  }
  return number;
});

export const logMatchPropertiesSchema = z
  .object({
    match_type: z.enum(['strict', 'regexp']).default('strict'),
    resource_attributes: z.array(attributeMatchSchema).optional(),
    record_attributes: z.array(attributeMatchSchema).optional(),
    severity_texts: z.array(z.string()).optional(),
    severity_number: z
      .object({ min: severityNumberSchema, match_undefined: z.boolean().default(false) })
      .strict()
      .optional(),
    bodies: z.array(z.string()).optional(),
  })
  .strict()
  .superRefine((props, ctx) => {
    const { match_type: matchType, ...criteria } = props;
    if (Object.values(criteria).every((value) => value === undefined)) {
      ctx.addIssue({
        code: 'custom',
        message:
          'at least one matching criterion is required (resource_attributes, record_attributes, severity_texts, severity_number, bodies)',
      });
    }
    if (matchType !== 'regexp') return;
    const patterns = [
      ...(props.severity_texts ?? []),
      ...(props.bodies ?? []),
      ...[...(props.resource_attributes ?? []), ...(props.record_attributes ?? [])].flatMap((attribute) =>
        typeof attribute.value === 'string' ? [attribute.value] : [],
      ),
    ];
    for (const pattern of patterns) {
      if (!regexSchema.safeParse(pattern).success) ctx.addIssue({ code: 'custom', message: `invalid regular expression "${pattern}"` });
    }
  });

export type LogMatchProperties = z.output<typeof logMatchPropertiesSchema>;
export type LogPredicate = (log: LogRecord) => boolean;

/** `INFO` → 9, `warn2` → 14, `FATAL4` → 24 (the Collector accepts the names in any case). */
function severityNumberOfText(text: string): number | undefined {
  const match = /^([a-z]+)([2-4])?$/i.exec(text.trim());
  if (!match) return undefined;
  const base = severityOfName(match[1]!);
  return base === undefined ? undefined : base + (match[2] === undefined ? 0 : Number(match[2]) - 1);
}

export function compileLogMatchProperties(props: LogMatchProperties): LogPredicate {
  const regexp = props.match_type === 'regexp';
  const anyOf = (patterns: readonly string[]): ((value: string) => boolean) => {
    if (!regexp) {
      const set = new Set(patterns);
      return (value) => set.has(value);
    }
    const res = patterns.map((pattern) => new RegExp(pattern));
    return (value) => res.some((re) => re.test(value));
  };
  const checks: LogPredicate[] = [];
  if (props.resource_attributes) {
    const tests = props.resource_attributes.map((attribute) => attributeTest(attribute, regexp));
    // Resources are shared by a request's records and never edited in place: one answer each.
    const seen = new WeakMap<LogRecord['resource'], boolean>();
    checks.push((log) => {
      let result = seen.get(log.resource);
      if (result === undefined) seen.set(log.resource, (result = tests.every((test) => test(log.resource.attributes))));
      return result;
    });
  }
  if (props.record_attributes) {
    const tests = props.record_attributes.map((attribute) => attributeTest(attribute, regexp));
    checks.push((log) => tests.every((test) => test(log.attributes)));
  }
  if (props.severity_texts) {
    const test = anyOf(props.severity_texts);
    checks.push((log) => test(log.severityText));
  }
  if (props.severity_number) {
    const { min, match_undefined: matchUndefined } = props.severity_number;
    checks.push((log) => (log.severityNumber === 0 ? matchUndefined : log.severityNumber >= min));
  }
  if (props.bodies) {
    const test = anyOf(props.bodies);
    checks.push((log) => typeof log.body === 'string' && test(log.body));
  }
  return (log) => checks.every((check) => check(log));
}
