import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { ComponentLogger } from '../../component/component.js';
import { parseTenantId, type TenantId } from '../../model/tenant.js';
import type { StoredAlertState } from '../../storage/alert-store.js';
import type { TenantTraceReader, TraceStore } from '../../storage/trace-store.js';
import { exceptionOf } from '../mcp/trace-digest.js';
import { runMetricsQuery } from '../tempo/tempo-metrics.js';
import { offendingExemplars, rankOffendingSpans, type RankingEvidence } from './alert-evidence.js';
import { alertRuleSchema, compare, planOf, type AlertRule } from './alert-rule.js';
import type { AlertNotice, AlertNotifier } from './alert-notifier.js';
import type { AlertsConfig } from './alerts-config.js';

/**
 * The evaluator (issue 16, item 1): every `evaluation_interval`, the node holding the lease
 * evaluates every rule of every tenant and moves its state: inactive → pending (the condition
 * holds) → firing (it held for `for`) → resolved (it stopped holding) → pending … Notifications go
 * out on entering firing and on resolving a notified firing.
 *
 * State lives in ClickHouse (schema v7) and is read at the start of every round, so whichever
 * node evaluates continues from the last node's state; `notified` is written before the
 * notification is handed to delivery, so a restart or a new evaluator never sends it again (a
 * crash in that instant loses one notification rather than repeating it).
 *
 * One evaluator at a time, by a lease in `alert_lease_v7`: ClickHouse has no compare-and-set, so
 * a lease is an epoch. The holder renews its claim on the current epoch every round; when the
 * newest epoch's claim has expired, a node claims epoch + 1, waits for rival claims of the same
 * epoch to land, and the least holder name among them wins; the others wait for its expiry. A
 * holder that finds a newer epoch than its own stops at once.
 *
 * Cost is bounded: rules are evaluated one at a time, each an instant metrics query over at most
 * an hour (alert-rule.ts) that storage caps in rows, abandoned after `evaluation_timeout`; a round
 * that overruns the interval delays the next, rounds never overlap.
 */

export type AlertState = 'inactive' | 'pending' | 'firing' | 'resolved';

export const LEASE_NAME = 'alert-evaluator';
/** Time rival claims of one epoch get to land before the winner is read. */
const CLAIM_SETTLE_MILLIS = 150;
const MAX_EXEMPLARS = 3;

export interface RuleWithSource {
  rule: AlertRule;
  source: 'config' | 'api';
}

/** Config rules of the tenant, then its stored rules (a stored rule with a config rule's id is ignored). */
export async function rulesOf(store: TraceStore, config: AlertsConfig, tenant: TenantId): Promise<RuleWithSource[]> {
  const fromConfig: RuleWithSource[] = config.rules
    .filter((rule) => rule.tenant === tenant)
    .map(({ tenant: _tenant, ...rule }) => ({ rule, source: 'config' }));
  const ids = new Set(fromConfig.map((entry) => entry.rule.id));
  const stored: RuleWithSource[] = [];
  for (const row of await store.alerts.forTenant(tenant).listRules()) {
    if (ids.has(row.id)) continue;
    const parsed = alertRuleSchema.safeParse(JSON.parse(row.definition));
    // A rule stored by a newer or older Skein that this one cannot read is skipped, not fatal.
    if (parsed.success) stored.push({ rule: { ...parsed.data, id: row.id }, source: 'api' });
  }
  return [...fromConfig, ...stored];
}

export function nextState(
  previous: { state: AlertState; activeSinceMs: number },
  breaching: boolean,
  nowMs: number,
  forMillis: number,
): { state: AlertState; activeSinceMs: number } {
  const { state, activeSinceMs } = previous;
  if (!breaching) {
    if (state === 'firing') return { state: 'resolved', activeSinceMs: 0 };
    return { state: state === 'pending' ? 'inactive' : state, activeSinceMs: 0 };
  }
  const since = state === 'pending' || state === 'firing' ? activeSinceMs : nowMs;
  return { state: nowMs - since >= forMillis ? 'firing' : 'pending', activeSinceMs: since };
}

export interface RuleEvaluation {
  /** The most extreme breaching value, else the most extreme value; null without data. */
  value: number | null;
  breaching: boolean;
  series: number;
  exemplars: Array<{ traceId: string; spanId: string }>;
}

/** One instant query over the rule's window ending now. */
export async function evaluateRule(reader: TenantTraceReader, rule: AlertRule, nowMs: number): Promise<RuleEvaluation> {
  const endNano = BigInt(nowMs) * 1_000_000n;
  const { series } = await runMetricsQuery(reader, planOf(rule), {
    startNano: endNano - BigInt(rule.window) * 1_000_000n,
    endNano,
    stepNano: 0n,
    instant: true,
    exemplars: 20,
  });
  const valued = series.flatMap((s) => (s.values[0] === undefined ? [] : [{ value: s.values[0], exemplars: s.exemplars }]));
  const breachingSeries = valued.filter((s) => compare(s.value, rule.op, rule.threshold));
  const extreme = (list: typeof valued) =>
    list.reduce<(typeof valued)[number] | undefined>(
      (best, s) => (best === undefined || (rule.op.startsWith('>') ? s.value > best.value : s.value < best.value) ? s : best),
      undefined,
    );
  const chosen = extreme(breachingSeries) ?? extreme(valued);
  const exemplars = (breachingSeries.length > 0 ? breachingSeries : valued)
    .flatMap((s) => s.exemplars)
    .map((e) => ({
      traceId: String(e.labels.find((l) => l.key === 'trace:id')?.value['stringValue'] ?? ''),
      spanId: String(e.labels.find((l) => l.key === 'span:id')?.value['stringValue'] ?? ''),
    }))
    .filter((e, i, all) => e.traceId !== '' && all.findIndex((other) => other.traceId === e.traceId) === i)
    .slice(0, MAX_EXEMPLARS);
  return { value: chosen?.value ?? null, breaching: breachingSeries.length > 0, series: valued.length, exemplars };
}

/** The exception of an exemplar span, else of any span of the exemplar traces. */
async function exceptionAmong(reader: TenantTraceReader, exemplars: RuleEvaluation['exemplars']): Promise<string | undefined> {
  if (exemplars.length === 0) return undefined;
  const traces = await reader.getTraces(exemplars.map((e) => e.traceId));
  for (const exemplar of exemplars) {
    const span = traces.get(exemplar.traceId)?.find((s) => s.spanId === exemplar.spanId);
    const found = span === undefined ? undefined : exceptionOf(span);
    if (found !== undefined) return found;
  }
  for (const spans of traces.values())
    for (const span of spans) {
      const found = exceptionOf(span);
      if (found !== undefined) return found;
    }
  return undefined;
}

function withTimeout<T>(work: Promise<T>, millis: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${millis} ms`)), millis);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

export class AlertEvaluator {
  readonly holder = `${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private readonly leaseMillis: number;
  private lastWarning = 0;

  constructor(
    private readonly store: TraceStore,
    private readonly config: AlertsConfig,
    private readonly notifier: AlertNotifier,
    private readonly logger: ComponentLogger,
  ) {
    this.leaseMillis = config.lease_duration ?? Math.max(5_000, 3 * config.evaluation_interval);
  }

  start(): void {
    const tick = (): void => {
      this.running = this.runOnce()
        .catch((error: unknown) => this.warn(`alert evaluation failed: ${error instanceof Error ? error.message : String(error)}`))
        .finally(() => {
          this.running = undefined;
          if (!this.stopped) this.timer = setTimeout(tick, this.config.evaluation_interval);
        });
    };
    this.timer = setTimeout(tick, 0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
    await this.notifier.close();
  }

  /** One round: when this node holds the lease, every rule of every tenant once. */
  async runOnce(): Promise<void> {
    const tenants = new Set<TenantId>([
      ...this.config.rules.map((rule) => parseTenantId(rule.tenant)),
      ...(await this.store.alerts.tenantsWithRules()),
    ]);
    if (tenants.size === 0 || !(await this.holdLease())) return;
    for (const tenant of tenants) {
      if (this.stopped) return;
      await this.evaluateTenant(tenant);
    }
  }

  /** Claims or renews the evaluator lease; true while this evaluator holds it. */
  async holdLease(): Promise<boolean> {
    const alerts = this.store.alerts;
    const now = Date.now();
    const lease = await alerts.readLease(LEASE_NAME);
    if (lease !== undefined && lease.expiresMs > now) {
      if (lease.holder !== this.holder) return false;
      await alerts.writeLease(LEASE_NAME, { ...lease, expiresMs: now + this.leaseMillis });
      return true;
    }
    const epoch = (lease?.epoch ?? 0) + 1;
    await alerts.writeLease(LEASE_NAME, { epoch, holder: this.holder, expiresMs: now + this.leaseMillis });
    await new Promise((resolve) => setTimeout(resolve, CLAIM_SETTLE_MILLIS));
    const won = await alerts.readLease(LEASE_NAME);
    return won?.epoch === epoch && won.holder === this.holder;
  }

  private async evaluateTenant(tenant: TenantId): Promise<void> {
    const alerts = this.store.alerts.forTenant(tenant);
    const reader = this.store.forTenant(tenant);
    const [rules, states, silences] = await Promise.all([rulesOf(this.store, this.config, tenant), alerts.listStates(), alerts.silences()]);
    const stateOf = new Map(states.map((state) => [state.ruleId, state]));
    for (const { rule } of rules) {
      if (this.stopped) return;
      const now = Date.now();
      let evaluation: RuleEvaluation;
      try {
        evaluation = await withTimeout(evaluateRule(reader, rule, now), this.config.evaluation_timeout, `rule ${rule.id}`);
      } catch (error) {
        this.warn(`alert rule ${tenant}/${rule.id} not evaluated: ${error instanceof Error ? error.message : String(error)}`);
        continue;
      }
      const previous = stateOf.get(rule.id) ?? {
        ruleId: rule.id,
        state: 'inactive',
        activeSinceMs: 0,
        changedAtMs: 0,
        notified: '',
        detail: '{}',
      };
      const next = nextState(
        { state: previous.state as AlertState, activeSinceMs: previous.activeSinceMs },
        evaluation.breaching,
        now,
        rule.for,
      );
      const silenced = (silences.get(rule.id) ?? 0) > now;
      const send: 'firing' | 'resolved' | undefined = silenced
        ? undefined
        : next.state === 'firing' && previous.notified !== 'firing'
          ? 'firing'
          : next.state !== 'firing' && previous.notified === 'firing'
            ? 'resolved'
            : undefined;
      if (next.state === previous.state && send === undefined) continue;
      const changed = next.state !== previous.state;
      if (evaluation.breaching && (send === 'firing' || changed)) {
        // A latency rule's evidence is its slow spans; a failed look-up keeps the query's own exemplars.
        const slow = await withTimeout(
          offendingExemplars(reader, rule, now, MAX_EXEMPLARS),
          this.config.evaluation_timeout,
          'the exemplar look-up',
        ).catch(() => undefined);
        if (slow !== undefined && slow.length > 0) evaluation.exemplars = slow;
      }
      const [exception, ranking] = await Promise.all([
        send === 'firing' || next.state !== previous.state
          ? exceptionAmong(reader, evaluation.exemplars).catch(() => undefined)
          : undefined,
        send === 'firing' ? this.rankingOf(reader, rule, now) : undefined,
      ]);
      const detail = JSON.stringify({
        value: evaluation.value,
        series: evaluation.series,
        exemplars: evaluation.exemplars,
        ...(exception !== undefined && { exception }),
        ...(ranking !== undefined && ranking),
      });
      const row: StoredAlertState = {
        ruleId: rule.id,
        state: next.state,
        activeSinceMs: next.activeSinceMs,
        changedAtMs: changed ? now : previous.changedAtMs,
        notified: send ?? previous.notified,
        detail,
      };
      await alerts.putState(row);
      if (changed) await alerts.appendHistory({ ruleId: rule.id, atMs: now, state: next.state, detail });
      if (send !== undefined)
        this.notifier.send(
          this.noticeOf(tenant, rule, send, evaluation, next.activeSinceMs || previous.activeSinceMs, now, exception, ranking),
        );
    }
  }

  /**
   * The top attribute of the offending spans, bounded by `evidence_timeout`; never throws: a
   * ranking that fails or overruns becomes a reason in the notification, which goes out regardless.
   */
  private async rankingOf(reader: TenantTraceReader, rule: AlertRule, nowMs: number): Promise<RankingEvidence> {
    try {
      return await withTimeout(rankOffendingSpans(reader, rule, nowMs), this.config.evidence_timeout, 'the attribute ranking');
    } catch (error) {
      return { topAttribute: null, topAttributeReason: `ranking failed: ${error instanceof Error ? error.message : String(error)}` };
    }
  }

  private noticeOf(
    tenant: TenantId,
    rule: AlertRule,
    status: 'firing' | 'resolved',
    evaluation: RuleEvaluation,
    activeSinceMs: number,
    atMs: number,
    exception: string | undefined,
    ranking: RankingEvidence | undefined,
  ): AlertNotice {
    const base = this.config.external_url.replace(/\/+$/, '');
    return {
      status,
      tenant,
      rule,
      value: evaluation.value,
      activeSinceMs,
      atMs,
      exemplars: evaluation.exemplars.map((e) => ({ traceId: e.traceId, url: `${base}/trace/${e.traceId}` })),
      ...(exception !== undefined && { exception }),
      ...(ranking !== undefined && { ranking }),
      ruleUrl: `${base}/alerts?rule=${encodeURIComponent(rule.id)}`,
    };
  }

  /** At most one warning a minute: a storage outage must not flood the log every interval. */
  private warn(message: string): void {
    if (Date.now() - this.lastWarning < 60_000) return;
    this.lastWarning = Date.now();
    this.logger.warn(message);
  }
}
