import type { IncomingMessage } from 'node:http';
import { DEFAULT_TENANT, type TenantId } from '../model/tenant.js';
import type { TenantTraceReader, TraceStore } from '../storage/trace-store.js';

/**
 * The tenant a query request reads as: the one place the query side decides it. Until
 * authentication lands (issue 14) every request reads the default tenant, the one every receiver
 * writes today; the security work derives it here from the request's credential (or from Tempo's
 * `X-Scope-OrgID` header behind a trusted proxy) and changes nothing else.
 */
export function tenantOf(_request: IncomingMessage): TenantId {
  return DEFAULT_TENANT;
}

/** The store's reads for the request's tenant: how every query route reaches storage. */
export function readerFor(store: TraceStore, request: IncomingMessage): TenantTraceReader {
  return store.forTenant(tenantOf(request));
}
