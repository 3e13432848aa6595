import * as z from 'zod/mini';
import { ApiClientError } from './client';

/**
 * The alerts API (docs/alerts.md): rules with their state, history, the chart of a rule's query,
 * create / delete / silence. Responses are parsed at the edge like the rest of the native API.
 */

const stateSchema = z.enum(['inactive', 'pending', 'firing', 'resolved']);

export const alertRuleSchema = z.object({
  id: z.string(),
  name: z.string(),
  query: z.string(),
  op: z.enum(['>', '>=', '<', '<=']),
  threshold: z.number(),
  for: z.number(),
  window: z.number(),
  labels: z.record(z.string(), z.string()),
  description: z.string(),
  source: z.enum(['config', 'api']),
  state: stateSchema,
  activeSince: z.nullable(z.string()),
  changedAt: z.nullable(z.string()),
  silencedUntil: z.nullable(z.string()),
  detail: z.nullable(
    z.object({
      value: z.nullable(z.number()),
      exemplars: z.optional(z.array(z.object({ traceId: z.string(), spanId: z.string() }))),
      exception: z.optional(z.string()),
      /** Of a firing alert: the attribute value that best distinguishes the offending spans (docs/alerts.md). */
      topAttribute: z.optional(
        z.nullable(
          z.object({
            attribute: z.string(),
            value: z.string(),
            selectionShare: z.number(),
            baselineShare: z.number(),
            selection: z.string(),
          }),
        ),
      ),
      topAttributeReason: z.optional(z.string()),
    }),
  ),
});

export type AlertRule = z.infer<typeof alertRuleSchema>;
export type AlertState = z.infer<typeof stateSchema>;

const rulesSchema = z.object({ rules: z.array(alertRuleSchema) });
const historySchema = z.object({
  history: z.array(z.object({ at: z.string(), state: stateSchema, detail: z.object({ value: z.optional(z.nullable(z.number())) }) })),
});
export type AlertEvent = z.infer<typeof historySchema>['history'][number];
const chartSchema = z.object({
  threshold: z.number(),
  op: z.string(),
  stepMillis: z.number(),
  series: z.array(z.object({ labels: z.record(z.string(), z.unknown()), points: z.array(z.tuple([z.number(), z.number()])) })),
});
export type AlertChart = z.infer<typeof chartSchema>;

export interface NewAlertRule {
  name: string;
  query: string;
  op: string;
  threshold: number;
  for: string;
  window: string;
}

async function call<S extends z.ZodMiniType>(
  method: string,
  path: string,
  schema: S | undefined,
  body?: unknown,
  signal?: AbortSignal,
): Promise<z.infer<S>> {
  const response = await fetch(path, {
    method,
    headers: { Accept: 'application/json', ...(body !== undefined && { 'Content-Type': 'application/json' }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
    ...(signal && { signal }),
  });
  const text = await response.text();
  const parsed: unknown = text === '' ? undefined : JSON.parse(text);
  if (!response.ok) {
    const error = (parsed as { error?: { code?: string; message?: string } } | undefined)?.error;
    throw new ApiClientError(error?.message ?? `Skein answered ${response.status}`, response.status, error?.code ?? 'bad_response');
  }
  if (schema === undefined) return undefined as z.infer<S>;
  const checked = schema.safeParse(parsed);
  if (!checked.success) throw new ApiClientError(`unexpected response from ${path}`, response.status, 'bad_response');
  return checked.data;
}

const RULES = '/api/v1/alerts/rules';
const rulePath = (id: string): string => `${RULES}/${encodeURIComponent(id)}`;

export const alertsApi = {
  rules: async (signal?: AbortSignal): Promise<AlertRule[]> => (await call('GET', RULES, rulesSchema, undefined, signal)).rules,
  history: async (id: string, signal?: AbortSignal): Promise<AlertEvent[]> =>
    (await call('GET', `${rulePath(id)}/history?limit=50`, historySchema, undefined, signal)).history,
  chart: (id: string, signal?: AbortSignal): Promise<AlertChart> => call('GET', `${rulePath(id)}/chart`, chartSchema, undefined, signal),
  create: (rule: NewAlertRule): Promise<AlertRule> => call('POST', RULES, alertRuleSchema, rule),
  remove: async (id: string): Promise<void> => {
    await call('DELETE', rulePath(id), undefined);
  },
  silence: (id: string, duration: string): Promise<unknown> => call('POST', `${rulePath(id)}/silence`, z.unknown(), { for: duration }),
  unsilence: (id: string): Promise<unknown> => call('DELETE', `${rulePath(id)}/silence`, z.unknown()),
};
