import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { TraceStore } from '../storage/trace-store.js';
import { ApiError, fromStorage } from './api-error.js';
import type { HttpRouter } from './http-router.js';
import { tenantOf } from './tenant-of.js';

/**
 * The token-management API (docs/security.md), admin-only (queryAccess in query-extensions.ts):
 * create, list and revoke API tokens of the tenant the request acts for (the admin's own, or the
 * one it names in `X-Scope-OrgID`). A token is shown once, when made; only its SHA-256 is stored
 * (api_tokens_v8). Tokens made here carry `ingest` and/or `read`, never `admin`: admin
 * credentials stay in the config file, where a leak of the database cannot add one.
 */

export const ADMIN_TOKENS_PATH = '/api/v1/admin/tokens';
const MAX_BODY_BYTES = 16 * 1024;
const NAME = /^[A-Za-z0-9._-]{1,100}$/;

export function addAdminTokenApi(router: HttpRouter, store: TraceStore): void {
  const tokens = store.apiTokens();
  router.get(ADMIN_TOKENS_PATH, async ({ request }) => {
    const tenant = tenantOf(request);
    const list = await tokens.listFor(tenant).catch((error: unknown) => Promise.reject(fromStorage(error)));
    return { tenant, tokens: list.map(({ name, roles, createdAt }) => ({ name, roles, createdAt })) };
  });

  router.post(ADMIN_TOKENS_PATH, async ({ request }) => {
    const tenant = tenantOf(request);
    const body = await readJsonBody(request);
    const name = body['name'];
    if (typeof name !== 'string' || !NAME.test(name)) {
      throw new ApiError('bad_parameter', 'body field "name": expected 1 to 100 letters, digits, ".", "_" or "-"');
    }
    const roles = body['roles'] ?? ['ingest', 'read'];
    if (!Array.isArray(roles) || roles.length === 0 || !roles.every((role) => role === 'ingest' || role === 'read')) {
      throw new ApiError(
        'bad_parameter',
        'body field "roles": expected a non-empty list of "ingest" and "read" (admin tokens are config only)',
      );
    }
    try {
      if ((await tokens.listFor(tenant)).some((token) => token.name === name)) {
        throw new ApiError('bad_parameter', `tenant ${tenant} already has a token named "${name}": revoke it first`);
      }
      const token = `skn_${randomBytes(32).toString('base64url')}`;
      const createdAt = new Date().toISOString();
      const tokenSha256 = createHash('sha256').update(token, 'utf8').digest('hex');
      await tokens.create({ tenant, name, tokenSha256, roles: [...new Set(roles as string[])], createdAt });
      return { tenant, name, roles, createdAt, token };
    } catch (error) {
      throw fromStorage(error);
    }
  });

  router.delete(`${ADMIN_TOKENS_PATH}/:name`, async ({ request, params }) => {
    const tenant = tenantOf(request);
    const name = params['name']!;
    const revoked = await tokens.revoke(tenant, name).catch((error: unknown) => Promise.reject(fromStorage(error)));
    if (!revoked) throw new ApiError('not_found', `tenant ${tenant} has no token named "${name}"`);
    return { tenant, revoked: name };
  });
}

async function readJsonBody(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new ApiError('bad_parameter', `request body larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new ApiError('bad_parameter', 'request body: expected a JSON object like {"name":"ci","roles":["ingest"]}');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ApiError('bad_parameter', 'request body: expected a JSON object like {"name":"ci","roles":["ingest"]}');
  }
  return parsed as Record<string, unknown>;
}
