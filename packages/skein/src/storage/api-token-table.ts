import type { TenantId } from '../model/tenant.js';
import type { ApiTokenTable, StoredApiToken } from './api-tokens.js';
import { quoteIdentifier } from './sql-binding.js';
import type { SqlEngine } from './sql-engine.js';

/**
 * API tokens made through the admin API (`api_tokens_v8`, migration 8): the SHA-256 of each token,
 * never the token; its tenant, name and roles. One row per version: creating and revoking insert
 * rows, reads take each (tenant, name)'s newest version (argMax), so nothing is ever updated in place.
 */

interface Row {
  tenant: string;
  name: string;
  token_sha256: string;
  roles: string[];
  created_at: number | string;
  revoked: number | string;
}

export class ClickHouseApiTokenTable implements ApiTokenTable {
  private readonly table: string;

  constructor(
    private readonly engine: SqlEngine,
    database: string,
  ) {
    this.table = `${quoteIdentifier(database)}.api_tokens_v8`;
  }

  async live(): Promise<StoredApiToken[]> {
    return this.read('');
  }

  async listFor(tenant: TenantId): Promise<StoredApiToken[]> {
    return this.read('WHERE tenant = {tenant:String}', tenant);
  }

  async create(token: StoredApiToken): Promise<void> {
    await this.insert(token, 0);
  }

  async revoke(tenant: TenantId, name: string): Promise<boolean> {
    const found = (await this.listFor(tenant)).find((token) => token.name === name);
    if (!found) return false;
    await this.insert(found, 1);
    return true;
  }

  private async insert(token: StoredApiToken, revoked: 0 | 1): Promise<void> {
    await this.engine.command(
      `INSERT INTO ${this.table} (tenant, name, token_sha256, roles, created_at, revoked, version)
SELECT {tenant:String}, {name:String}, {sha:String}, {roles:Array(String)}, toDateTime({created:UInt32}), {revoked:UInt8}, {version:UInt64}`,
      {
        tenant: token.tenant,
        name: token.name,
        sha: token.tokenSha256,
        roles: [...token.roles],
        created: Math.floor(Date.parse(token.createdAt) / 1000),
        revoked,
        // Microseconds: a revoke right after a create is still the newer version.
        version: BigInt(Date.now()) * 1000n + BigInt(revoked),
      },
    );
  }

  private async read(where: string, tenant?: TenantId): Promise<StoredApiToken[]> {
    const rows = await this.engine.query<Row>(
      `SELECT tenant, name, argMax(token_sha256, version) AS token_sha256, argMax(roles, version) AS roles,
  toUnixTimestamp(argMax(created_at, version)) AS created_at, argMax(revoked, version) AS revoked
FROM ${this.table} ${where}
GROUP BY tenant, name
ORDER BY tenant, name`,
      tenant === undefined ? {} : { tenant },
    );
    return rows
      .filter((row) => Number(row.revoked) === 0)
      .map((row) => ({
        tenant: row.tenant as TenantId,
        name: row.name,
        tokenSha256: row.token_sha256,
        roles: row.roles,
        createdAt: new Date(Number(row.created_at) * 1000).toISOString(),
      }));
  }
}
