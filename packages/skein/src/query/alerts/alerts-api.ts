import { randomBytes } from 'node:crypto';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { parseGoDurationNanos } from '../../model/go-duration.js';
import type { TraceStore } from '../../storage/trace-store.js';
import { ApiError, badParameter, fromStorage } from '../api-error.js';
import { sendJson, type RouterLogger } from '../http-router.js';
import { runMetricsQuery } from '../tempo/tempo-metrics.js';
import { tenantOf, readerFor } from '../tenant-of.js';
import { rulesOf, type RuleWithSource } from './alert-evaluator.js';
import { alertRuleSchema, issuesText, planOf, storedForm } from './alert-rule.js';
import type { AlertsConfig } from './alerts-config.js';

/**
 * The alerts API (docs/api.md, "Alerts"), under `/api/v1/alerts/`, every route in the caller's
 * tenant (tenant-of.ts). Reading needs the `read` role; creating, changing, deleting and silencing
 * need `admin` (query-extensions.ts says so to the host). Bodies are JSON, validated by the rule
 * schema the config uses (alert-rule.ts): a 400 names each bad key and its value.
 *
 *   GET    /api/v1/alerts/rules                 rules with their state
 *   POST   /api/v1/alerts/rules                 create (201)
 *   GET    /api/v1/alerts/rules/:id             one rule with its state
 *   PUT    /api/v1/alerts/rules/:id             replace (not a config rule: 409)
 *   DELETE /api/v1/alerts/rules/:id             delete (not a config rule: 409)
 *   POST   /api/v1/alerts/rules/:id/silence     {"for": "1h"}: no notifications until then
 *   DELETE /api/v1/alerts/rules/:id/silence     lift the silence
 *   GET    /api/v1/alerts/rules/:id/history     state changes, newest first (?limit=)
 *   GET    /api/v1/alerts/rules/:id/chart       the query's values over ?lookback= (default 60 windows), step = the window
 *   GET    /api/v1/alerts/history               every rule's state changes (?limit=)
 */

export const ALERTS_PREFIX = '/api/v1/alerts';
const MAX_BODY_BYTES = 64 * 1024;
const MAX_CHART_POINTS = 500;

class Conflict extends Error {}

function readJson(request: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    request.on('error', reject);
    request.on('end', () => {
      if (size > MAX_BODY_BYTES) return reject(new ApiError('bad_parameter', `request body larger than ${MAX_BODY_BYTES} bytes`));
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch (error) {
        reject(new ApiError('bad_parameter', `request body is not JSON: ${(error as Error).message}`));
      }
    });
  });
}

function limitOf(url: URL): number {
  const text = url.searchParams.get('limit');
  if (text === null) return 100;
  const limit = Number(text);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
    throw badParameter('limit', `expected an integer from 1 to 1000, got ${JSON.stringify(text)}`);
  return limit;
}

export function withAlertsApi(store: TraceStore, config: AlertsConfig, logger: RouterLogger, next: RequestListener): RequestListener {
  const answer = async (request: IncomingMessage, url: URL): Promise<{ status: number; body?: unknown }> => {
    const segments = url.pathname.slice(ALERTS_PREFIX.length).split('/').filter(Boolean).map(decodeURIComponent);
    const method = request.method === 'HEAD' ? 'GET' : (request.method ?? 'GET');
    const tenant = tenantOf(request);
    const alerts = store.alerts.forTenant(tenant);
    const all = (): Promise<RuleWithSource[]> => rulesOf(store, config, tenant);
    const find = async (id: string): Promise<RuleWithSource> => {
      const found = (await all()).find((entry) => entry.rule.id === id);
      if (found === undefined) throw new ApiError('not_found', `no alert rule ${JSON.stringify(id)}`);
      return found;
    };
    const withState = async (entries: RuleWithSource[]): Promise<unknown[]> => {
      const [states, silences] = await Promise.all([alerts.listStates(), alerts.silences()]);
      const now = Date.now();
      return entries.map(({ rule, source }) => {
        const state = states.find((s) => s.ruleId === rule.id);
        const silencedUntil = silences.get(rule.id) ?? 0;
        return {
          ...rule,
          source,
          state: state?.state ?? 'inactive',
          activeSince: state !== undefined && state.activeSinceMs > 0 ? new Date(state.activeSinceMs).toISOString() : null,
          changedAt: state !== undefined && state.changedAtMs > 0 ? new Date(state.changedAtMs).toISOString() : null,
          silencedUntil: silencedUntil > now ? new Date(silencedUntil).toISOString() : null,
          detail: state === undefined ? null : (JSON.parse(state.detail) as unknown),
        };
      });
    };
    const validated = (body: unknown, id: string | undefined): RuleWithSource['rule'] => {
      const parsed = alertRuleSchema.safeParse(body);
      if (!parsed.success) throw new ApiError('bad_parameter', `invalid alert rule: ${issuesText(parsed.error, body)}`);
      if (id !== undefined && parsed.data.id !== undefined && parsed.data.id !== id)
        throw new ApiError('bad_parameter', `invalid alert rule: id: does not match the path (got ${JSON.stringify(parsed.data.id)})`);
      const names = new Set(config.notifiers.map((n) => n.name));
      const unknown = (parsed.data.notifiers ?? []).filter((name) => !names.has(name));
      if (unknown.length > 0)
        throw new ApiError('bad_parameter', `invalid alert rule: notifiers: no notifier named ${JSON.stringify(unknown[0])}`);
      return { ...parsed.data, id: id ?? parsed.data.id ?? `r-${randomBytes(4).toString('hex')}` };
    };

    if (segments[0] === 'history' && segments.length === 1 && method === 'GET') {
      const events = await alerts.history(undefined, limitOf(url));
      return {
        status: 200,
        body: {
          history: events.map((e) => ({
            ruleId: e.ruleId,
            at: new Date(e.atMs).toISOString(),
            state: e.state,
            detail: JSON.parse(e.detail) as unknown,
          })),
        },
      };
    }
    if (segments[0] !== 'rules') throw new ApiError('not_found', `no API endpoint at ${url.pathname}`);
    const id = segments[1];
    if (id === undefined) {
      if (method === 'GET') return { status: 200, body: { rules: await withState(await all()) } };
      if (method === 'POST') {
        const rule = validated(await readJson(request), undefined);
        const existing = await all();
        if (existing.some((entry) => entry.rule.id === rule.id)) throw new Conflict(`alert rule ${JSON.stringify(rule.id)} already exists`);
        if (existing.length >= config.max_rules_per_tenant)
          throw new Conflict(`this tenant already has ${config.max_rules_per_tenant} alert rules (max_rules_per_tenant)`);
        await alerts.putRule(rule.id, storedForm(rule));
        return { status: 201, body: (await withState([{ rule, source: 'api' }]))[0] };
      }
      throw new ApiError('method_not_allowed', `method ${method} not allowed on ${url.pathname}`);
    }
    const sub = segments[2];
    if (segments.length > 3) throw new ApiError('not_found', `no API endpoint at ${url.pathname}`);
    if (sub === undefined) {
      if (method === 'GET') return { status: 200, body: (await withState([await find(id)]))[0] };
      if (method === 'PUT' || method === 'DELETE') {
        const entry = await find(id);
        if (entry.source === 'config')
          throw new Conflict(`alert rule ${JSON.stringify(id)} is defined in the config file: change it there`);
        if (method === 'DELETE') {
          await alerts.deleteRule(id);
          return { status: 204 };
        }
        const rule = validated(await readJson(request), id);
        await alerts.putRule(id, storedForm(rule));
        return { status: 200, body: (await withState([{ rule, source: 'api' }]))[0] };
      }
    } else if (sub === 'silence') {
      await find(id);
      if (method === 'DELETE') {
        await alerts.putSilence(id, 0);
        return { status: 200, body: { silencedUntil: null } };
      }
      if (method === 'POST') {
        const body = (await readJson(request)) as { for?: unknown } | null;
        const text = body !== null && typeof body === 'object' ? body.for : undefined;
        const nanos = typeof text === 'string' ? parseGoDurationNanos(text) : undefined;
        if (nanos === undefined || nanos <= 0n)
          throw new ApiError('bad_parameter', `invalid silence: for: expected a duration such as 30m or 2h (got ${JSON.stringify(text)})`);
        const until = Date.now() + Number(nanos / 1_000_000n);
        await alerts.putSilence(id, until);
        return { status: 200, body: { silencedUntil: new Date(until).toISOString() } };
      }
    } else if (sub === 'history' && method === 'GET') {
      await find(id);
      const events = await alerts.history(id, limitOf(url));
      return {
        status: 200,
        body: {
          history: events.map((e) => ({ at: new Date(e.atMs).toISOString(), state: e.state, detail: JSON.parse(e.detail) as unknown })),
        },
      };
    } else if (sub === 'chart' && method === 'GET') {
      const { rule } = await find(id);
      const lookbackText = url.searchParams.get('lookback');
      const lookback = lookbackText === null ? BigInt(rule.window) * 60n * 1_000_000n : parseGoDurationNanos(lookbackText);
      if (lookback === undefined || lookback <= 0n)
        throw badParameter('lookback', `expected a duration such as 1h, got ${JSON.stringify(lookbackText)}`);
      const step = BigInt(rule.window) * 1_000_000n;
      if (lookback / step > BigInt(MAX_CHART_POINTS))
        throw badParameter('lookback', `gives more than ${MAX_CHART_POINTS} windows of ${rule.window} ms`);
      const end = BigInt(Date.now()) * 1_000_000n;
      const { series, slotEndsMs } = await runMetricsQuery(readerFor(store, request), planOf(rule), {
        startNano: end - lookback,
        endNano: end,
        stepNano: step,
        instant: false,
        exemplars: 0,
      });
      return {
        status: 200,
        body: {
          threshold: rule.threshold,
          op: rule.op,
          stepMillis: rule.window,
          series: series.map((s) => ({
            labels: Object.fromEntries(s.labels.map((label) => [label.key, Object.values(label.value)[0] ?? null])),
            points: s.values.flatMap((value, slot) => (value === undefined ? [] : [[Number(slotEndsMs[slot]!), value]])),
          })),
        },
      };
    }
    throw new ApiError(
      method === 'GET' || sub === undefined || sub === 'silence' ? 'method_not_allowed' : 'not_found',
      `method ${method} not allowed on ${url.pathname}`,
    );
  };

  return (request, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname !== ALERTS_PREFIX && !url.pathname.startsWith(`${ALERTS_PREFIX}/`)) {
      next(request, response);
      return;
    }
    answer(request, url).then(
      ({ status, body }) => {
        if (body === undefined) response.writeHead(status).end();
        else sendJson(response, status, body);
      },
      (error: unknown) => {
        const mapped =
          error instanceof URIError ? new ApiError('bad_parameter', `bad percent-encoding in ${url.pathname}`) : fromStorage(error);
        if (mapped instanceof Conflict) return sendJson(response, 409, { error: { code: 'conflict', message: mapped.message } });
        const apiError = mapped instanceof ApiError ? mapped : new ApiError('internal', 'internal error');
        if (!(mapped instanceof ApiError) || apiError.status >= 500)
          logger.warn(
            `alerts API ${request.method ?? '?'} ${url.pathname}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
          );
        sendJson(response, apiError.status, { error: { code: apiError.code, message: apiError.message } });
      },
    );
  };
}
