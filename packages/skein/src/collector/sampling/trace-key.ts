import type { Span } from '../../model/span.js';
import { DEFAULT_TENANT, isTenantId, type TenantId } from '../../model/tenant.js';

/**
 * What tail sampling keys a trace by: its tenant and trace ID (two tenants may send the same trace
 * ID, by chance or on purpose, and must not share a buffer or a decision). The default tenant's
 * key is the bare trace ID, so single-tenant journals keep their format.
 */
export type TraceKey = string;

export function traceKeyOf(span: Span): TraceKey {
  const tenant = span.resource.tenant;
  return tenant === DEFAULT_TENANT ? span.traceId : `${tenant}/${span.traceId}`;
}

export function traceKeyParts(key: TraceKey): { tenant: TenantId; traceId: string } {
  const slash = key.indexOf('/');
  if (slash === -1) return { tenant: DEFAULT_TENANT, traceId: key };
  const tenant = key.slice(0, slash);
  return { tenant: isTenantId(tenant) ? tenant : DEFAULT_TENANT, traceId: key.slice(slash + 1) };
}
