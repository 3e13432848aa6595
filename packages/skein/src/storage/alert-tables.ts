import { isTenantId, type TenantId } from '../model/tenant.js';
import type { AlertLease, AlertStore, StoredAlertEvent, StoredAlertRule, StoredAlertState, TenantAlertStore } from './alert-store.js';
import type { SqlEngine } from './sql-engine.js';

/** The v7 alert tables' SQL (schema/migrations.ts): {@link AlertStore} over any engine. */

let lastVersion = 0;
function nextVersion(): number {
  lastVersion = Math.max(Date.now() * 1000, lastVersion + 1);
  return lastVersion;
}

/** {@link AlertStore} over the v7 tables. `db` is a quoted, validated database name. */
export class ClickHouseAlertStore implements AlertStore {
  constructor(
    private readonly engine: SqlEngine,
    private readonly db: string,
  ) {}

  forTenant(tenant: TenantId): TenantAlertStore {
    return new ClickHouseTenantAlertStore(this.engine, this.db, tenant);
  }

  async tenantsWithRules(): Promise<TenantId[]> {
    const rows = await this.engine.query<{ tenant: string }>(
      `SELECT tenant FROM (SELECT tenant, rule_id, argMax(deleted, version) AS gone FROM ${this.db}.alert_rules_v7 GROUP BY tenant, rule_id)
WHERE gone = 0 GROUP BY tenant ORDER BY tenant`,
    );
    return rows.map((row) => row.tenant).filter(isTenantId);
  }

  async readLease(name: string): Promise<AlertLease | undefined> {
    const rows = await this.engine.query<{ epoch: string | number; holder: string; expires: string | number }>(
      `SELECT epoch, holder, max(expires_ms) AS expires FROM ${this.db}.alert_lease_v7 WHERE name = {name:String}
GROUP BY epoch, holder ORDER BY epoch DESC, holder ASC LIMIT 1`,
      { name },
    );
    const row = rows[0];
    return row === undefined ? undefined : { epoch: Number(row.epoch), holder: row.holder, expiresMs: Number(row.expires) };
  }

  async writeLease(name: string, lease: AlertLease): Promise<void> {
    await this.engine.command(
      `INSERT INTO ${this.db}.alert_lease_v7 (name, epoch, holder, expires_ms) SELECT {name:String}, {epoch:UInt64}, {holder:String}, {expires:UInt64}`,
      { name, epoch: lease.epoch, holder: lease.holder, expires: lease.expiresMs },
    );
  }
}

class ClickHouseTenantAlertStore implements TenantAlertStore {
  constructor(
    private readonly engine: SqlEngine,
    private readonly db: string,
    readonly tenant: TenantId,
  ) {}

  async listRules(): Promise<StoredAlertRule[]> {
    const rows = await this.engine.query<{ rule_id: string; last_definition: string; last_version: string | number; gone: number }>(
      `SELECT rule_id, argMax(definition, version) AS last_definition, max(version) AS last_version, argMax(deleted, version) AS gone
FROM ${this.db}.alert_rules_v7 WHERE tenant = {tenant:String} GROUP BY rule_id ORDER BY rule_id`,
      { tenant: this.tenant },
    );
    return rows
      .filter((row) => Number(row.gone) === 0)
      .map((row) => ({ id: row.rule_id, definition: row.last_definition, updatedAtMs: Math.floor(Number(row.last_version) / 1000) }));
  }

  putRule(id: string, definition: string): Promise<void> {
    return this.writeRule(id, definition, 0);
  }

  deleteRule(id: string): Promise<void> {
    return this.writeRule(id, '', 1);
  }

  private async writeRule(id: string, definition: string, deleted: number): Promise<void> {
    await this.engine.command(
      `INSERT INTO ${this.db}.alert_rules_v7 (tenant, rule_id, version, deleted, definition)
SELECT {tenant:String}, {id:String}, {version:UInt64}, {deleted:UInt8}, {definition:String}`,
      { tenant: this.tenant, id, version: nextVersion(), deleted, definition },
    );
  }

  async listStates(): Promise<StoredAlertState[]> {
    const rows = await this.engine.query<Record<string, string | number>>(
      `SELECT rule_id, argMax(state, version) AS last_state, argMax(active_since_ms, version) AS active_since,
  argMax(changed_at_ms, version) AS changed_at, argMax(notified, version) AS last_notified, argMax(detail, version) AS last_detail
FROM ${this.db}.alert_state_v7 WHERE tenant = {tenant:String} GROUP BY rule_id ORDER BY rule_id`,
      { tenant: this.tenant },
    );
    return rows.map((row) => ({
      ruleId: String(row['rule_id']),
      state: String(row['last_state']),
      activeSinceMs: Number(row['active_since']),
      changedAtMs: Number(row['changed_at']),
      notified: String(row['last_notified']),
      detail: String(row['last_detail']),
    }));
  }

  async putState(state: StoredAlertState): Promise<void> {
    await this.engine.command(
      `INSERT INTO ${this.db}.alert_state_v7 (tenant, rule_id, version, state, active_since_ms, changed_at_ms, notified, detail)
SELECT {tenant:String}, {id:String}, {version:UInt64}, {state:String}, {since:UInt64}, {changed:UInt64}, {notified:String}, {detail:String}`,
      {
        tenant: this.tenant,
        id: state.ruleId,
        version: nextVersion(),
        state: state.state,
        since: state.activeSinceMs,
        changed: state.changedAtMs,
        notified: state.notified,
        detail: state.detail,
      },
    );
  }

  async history(ruleId: string | undefined, limit: number): Promise<StoredAlertEvent[]> {
    const rows = await this.engine.query<{ rule_id: string; at_ms: string | number; state: string; detail: string }>(
      `SELECT rule_id, at_ms, state, detail FROM ${this.db}.alert_history_v7
WHERE tenant = {tenant:String}${ruleId === undefined ? '' : ' AND rule_id = {id:String}'} ORDER BY at_ms DESC LIMIT {limit:UInt32}`,
      { tenant: this.tenant, ...(ruleId !== undefined && { id: ruleId }), limit },
    );
    return rows.map((row) => ({ ruleId: row.rule_id, atMs: Number(row.at_ms), state: row.state, detail: row.detail }));
  }

  async appendHistory(event: StoredAlertEvent): Promise<void> {
    await this.engine.command(
      `INSERT INTO ${this.db}.alert_history_v7 (tenant, rule_id, at_ms, state, detail) SELECT {tenant:String}, {id:String}, {at:UInt64}, {state:String}, {detail:String}`,
      { tenant: this.tenant, id: event.ruleId, at: event.atMs, state: event.state, detail: event.detail },
    );
  }

  async silences(): Promise<Map<string, number>> {
    const rows = await this.engine.query<{ rule_id: string; until: string | number }>(
      `SELECT rule_id, argMax(until_ms, version) AS until FROM ${this.db}.alert_silences_v7 WHERE tenant = {tenant:String} GROUP BY rule_id`,
      { tenant: this.tenant },
    );
    return new Map(rows.map((row) => [row.rule_id, Number(row.until)]));
  }

  async putSilence(ruleId: string, untilMs: number): Promise<void> {
    await this.engine.command(
      `INSERT INTO ${this.db}.alert_silences_v7 (tenant, rule_id, version, until_ms) SELECT {tenant:String}, {id:String}, {version:UInt64}, {until:UInt64}`,
      { tenant: this.tenant, id: ruleId, version: nextVersion(), until: untilMs },
    );
  }
}
