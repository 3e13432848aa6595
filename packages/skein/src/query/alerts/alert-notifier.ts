import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { retryWithPolicy, type AttemptResult, type RetryPolicy } from '../../collector/pipeline/retry-policy.js';
import type { ComponentLogger } from '../../component/component.js';
import { topAttributeText, type RankingEvidence } from './alert-evidence.js';
import type { AlertRule } from './alert-rule.js';
import type { NotifierConfig } from './alerts-config.js';

/**
 * Notifications (issue 16, item 2): the Alertmanager v2 shape (`POST /api/v2/alerts`, a JSON
 * array of `{labels, annotations, startsAt, endsAt, generatorURL}`; facts from Alertmanager's
 * OpenAPI spec, `postableAlerts`), so an existing Alertmanager routes and de-duplicates them, and a
 * generic JSON webhook. Each carries the evidence: links to exemplar traces, the exception
 * message of one if there is one, and (firing) the top distinguishing attribute of the offending
 * spans or the reason there is none (`topAttribute: null`, `topAttributeReason`; the annotation `top_attribute`). Delivery retries with the one retry policy
 * (collector/pipeline/retry-policy.ts): 5xx, 429 and network errors are retried, other 4xx are
 * not; what is given up on is appended to the dead-letter log (a JSON line per notification)
 * and logged.
 */

export interface AlertNotice {
  status: 'firing' | 'resolved';
  tenant: string;
  rule: AlertRule;
  /** The value that decided (the most extreme breaching series; the last value when resolved). */
  value: number | null;
  activeSinceMs: number;
  atMs: number;
  exemplars: Array<{ traceId: string; url: string }>;
  exception?: string;
  /** The top distinguishing attribute of the offending spans (firing only), or why there is none. */
  ranking?: RankingEvidence;
  /** Where the rule is shown (the Alerts page). */
  ruleUrl: string;
}

export function alertmanagerPayload(notice: AlertNotice): unknown[] {
  const { rule } = notice;
  const annotations: Record<string, string> = {
    summary: `${rule.name}: ${notice.value ?? 'no data'} ${rule.op} ${rule.threshold}`,
    query: rule.query,
    threshold: `${rule.op} ${rule.threshold}`,
    value: String(notice.value ?? ''),
  };
  if (rule.description !== '') annotations['description'] = rule.description;
  if (notice.exemplars.length > 0) annotations['exemplar_traces'] = notice.exemplars.map((e) => e.url).join(' ');
  if (notice.exception !== undefined) annotations['exception'] = notice.exception;
  if (notice.ranking !== undefined) annotations['top_attribute'] = topAttributeText(notice.ranking);
  return [
    {
      labels: { ...rule.labels, alertname: rule.name, skein_rule_id: rule.id, tenant: notice.tenant },
      annotations,
      startsAt: new Date(notice.activeSinceMs || notice.atMs).toISOString(),
      // Alertmanager resolves an alert whose endsAt has passed; a firing one is left open.
      ...(notice.status === 'resolved' && { endsAt: new Date(notice.atMs).toISOString() }),
      generatorURL: notice.ruleUrl,
    },
  ];
}

export function webhookPayload(notice: AlertNotice): unknown {
  const { rule } = notice;
  return {
    version: '1',
    status: notice.status,
    tenant: notice.tenant,
    rule: {
      id: rule.id,
      name: rule.name,
      query: rule.query,
      op: rule.op,
      threshold: rule.threshold,
      forMillis: rule.for,
      windowMillis: rule.window,
      labels: rule.labels,
    },
    value: notice.value,
    activeSince: new Date(notice.activeSinceMs || notice.atMs).toISOString(),
    at: new Date(notice.atMs).toISOString(),
    exemplars: notice.exemplars,
    ...(notice.exception !== undefined && { exception: notice.exception }),
    ...(notice.ranking !== undefined && notice.ranking),
    url: notice.ruleUrl,
  };
}

export class AlertNotifier {
  private readonly inFlight = new Set<Promise<void>>();
  private readonly stopping = new AbortController();

  constructor(
    private readonly notifiers: readonly NotifierConfig[],
    private readonly logger: ComponentLogger,
    /** The dead-letter log (JSON lines); undefined: given-up notifications are only logged. */
    private readonly deadLetterFile: string | undefined,
  ) {}

  /** Starts delivery to the rule's notifiers and returns at once: retries must not hold up evaluation. */
  send(notice: AlertNotice): void {
    const names = notice.rule.notifiers;
    for (const notifier of this.notifiers) {
      if (names !== undefined && !names.includes(notifier.name)) continue;
      const delivery = this.deliver(notifier, notice).finally(() => this.inFlight.delete(delivery));
      this.inFlight.add(delivery);
    }
  }

  /** Waits for deliveries under way, cutting their backoffs short (then dead-lettered). */
  async close(): Promise<void> {
    this.stopping.abort();
    await Promise.allSettled([...this.inFlight]);
  }

  private async deliver(notifier: NotifierConfig, notice: AlertNotice): Promise<void> {
    const body = JSON.stringify(notifier.type === 'alertmanager' ? alertmanagerPayload(notice) : webhookPayload(notice));
    const policy: RetryPolicy = {
      enabled: true,
      initialIntervalMillis: notifier.retry_on_failure.initial_interval,
      randomizationFactor: 0.5,
      multiplier: 1.5,
      maxIntervalMillis: notifier.retry_on_failure.max_interval,
      maxElapsedMillis: notifier.retry_on_failure.max_elapsed_time,
    };
    const attempt = async (): Promise<AttemptResult<void, string>> => {
      try {
        const response = await fetch(notifier.url, {
          method: 'POST',
          headers: { ...notifier.headers, 'Content-Type': 'application/json' },
          body,
          signal: AbortSignal.timeout(notifier.timeout),
        });
        await response.arrayBuffer().catch(() => undefined);
        if (response.ok) return { kind: 'success', value: undefined };
        const error = `HTTP ${response.status}`;
        const retryAfter = Number(response.headers.get('retry-after'));
        if (response.status === 429 || response.status >= 500)
          return { kind: 'retryable', error, hintMillis: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined };
        return { kind: 'failure', error };
      } catch (error) {
        return { kind: 'retryable', error: error instanceof Error ? error.message : String(error) };
      }
    };
    const result = await retryWithPolicy(attempt, policy, this.stopping.signal);
    if (result.kind === 'success') return;
    const reason = `${result.kind}: ${result.error}`;
    this.logger.error(
      `alert ${notice.rule.id} (${notice.status}) not delivered to notifier ${notifier.name}: ${reason}; written to the dead-letter log`,
    );
    const line = JSON.stringify({
      at: new Date().toISOString(),
      notifier: notifier.name,
      url: notifier.url,
      reason,
      payload: JSON.parse(body) as unknown,
    });
    if (this.deadLetterFile !== undefined) {
      const file = this.deadLetterFile;
      await mkdir(dirname(file), { recursive: true })
        .then(() => appendFile(file, `${line}\n`))
        .catch((error: unknown) => this.logger.error(`alerts dead-letter log ${file}: ${String(error)}`));
    } else this.logger.error(`alerts dead letter: ${line}`);
  }
}
