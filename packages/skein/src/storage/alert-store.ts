import type { TenantId } from '../model/tenant.js';

/**
 * Alert rules, their states, history, silences and the evaluator lease (schema v7, issue 16),
 * kept in ClickHouse so that a restart or a second query node continues where the last evaluator
 * stopped instead of firing again. Rule definitions are stored as JSON text: their shape belongs to
 * the alerts code (query/alerts), storage only keys and versions them.
 *
 * Every table but the lease is keyed (tenant, rule_id) and is a ReplacingMergeTree on a version:
 * an update is an insert with a higher version, a read takes `argMax(…, version)` per key (merges
 * happen whenever they happen, so reads never rely on them). Versions are microseconds, made
 * strictly increasing per process so two writes in one millisecond still order.
 */

export interface StoredAlertRule {
  id: string;
  /** The rule as JSON text. */
  definition: string;
  updatedAtMs: number;
}

export interface StoredAlertState {
  ruleId: string;
  state: string;
  /** When the condition started to hold (pending or firing), 0 otherwise. */
  activeSinceMs: number;
  changedAtMs: number;
  /** The state last notified, so a new evaluator does not notify it again. */
  notified: string;
  /** JSON text: value, exemplars, exception. */
  detail: string;
}

export interface StoredAlertEvent {
  ruleId: string;
  atMs: number;
  state: string;
  detail: string;
}

export interface AlertLease {
  epoch: number;
  holder: string;
  expiresMs: number;
}

export interface TenantAlertStore {
  readonly tenant: TenantId;
  listRules(): Promise<StoredAlertRule[]>;
  putRule(id: string, definition: string): Promise<void>;
  deleteRule(id: string): Promise<void>;
  listStates(): Promise<StoredAlertState[]>;
  putState(state: StoredAlertState): Promise<void>;
  /** Newest first. */
  history(ruleId: string | undefined, limit: number): Promise<StoredAlertEvent[]>;
  appendHistory(event: StoredAlertEvent): Promise<void>;
  /** Rule ID → silenced until (ms); expired silences included (callers compare with now). */
  silences(): Promise<Map<string, number>>;
  putSilence(ruleId: string, untilMs: number): Promise<void>;
}

export interface AlertStore {
  forTenant(tenant: TenantId): TenantAlertStore;
  /** Tenants with at least one stored (not deleted) rule: what the evaluator visits besides config rules. */
  tenantsWithRules(): Promise<TenantId[]>;
  /** The newest epoch of lease `name` and its winner (the least holder name that claimed it). */
  readLease(name: string): Promise<AlertLease | undefined>;
  /** Claims or renews: one row per (epoch, holder), replaced by a later expiry. */
  writeLease(name: string, lease: AlertLease): Promise<void>;
}
