import type { IncomingMessage } from 'node:http';
import { identityOf } from '../component/request-identity.js';
import type { TenantId } from '../model/tenant.js';
import type { TenantTraceReader, TraceStore } from '../storage/trace-store.js';

/**
 * The tenant a query request reads as: the one place the query side decides it. The host
 * authenticated the request before any route ran (cli/listener-security.ts) and recorded who sent
 * it: the credential's tenant, or `X-Scope-OrgID` behind a trusted proxy; the default tenant when
 * authentication is off.
 */
export function tenantOf(request: IncomingMessage): TenantId {
  return identityOf(request).tenant;
}

/** The store's reads for the request's tenant: how every query route reaches storage. */
export function readerFor(store: TraceStore, request: IncomingMessage): TenantTraceReader {
  return store.forTenant(tenantOf(request));
}
