import type { TenantId } from '../model/tenant.js';

/**
 * What the trace store offers the admin API and the authenticator about API tokens; the SQL is in
 * api-token-table.ts (kept apart so trace-store.ts does not import the SQL layer, which imports it).
 */

export interface StoredApiToken {
  readonly tenant: TenantId;
  readonly name: string;
  readonly tokenSha256: string;
  readonly roles: readonly string[];
  /** ISO 8601. */
  readonly createdAt: string;
}

export interface ApiTokenTable {
  /** Every live (not revoked) token of every tenant: what the authenticator accepts. */
  live(): Promise<StoredApiToken[]>;
  /** A tenant's live tokens, by name. */
  listFor(tenant: TenantId): Promise<StoredApiToken[]>;
  create(token: StoredApiToken): Promise<void>;
  /** False when the tenant has no live token of that name. */
  revoke(tenant: TenantId, name: string): Promise<boolean>;
}
