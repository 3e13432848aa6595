import type { IncomingMessage } from 'node:http';
import type { Metadata } from '@grpc/grpc-js';
import { DEFAULT_TENANT, isTenantId, type TenantId } from '../model/tenant.js';

/**
 * Who sent a request, as the host's authentication decided it (docs/security.md). The host binds
 * every listener, so it authenticates before any component sees the request and records the
 * result here; components only ask. Without authentication configured every request is the
 * anonymous caller of the default tenant (ARCHITECTURE decision 10).
 */

export type AccessRole = 'ingest' | 'read' | 'admin';

export interface RequestIdentity {
  /** Who, for the audit log: the token's name, the user name or the JWT subject; never a secret. */
  readonly subject: string;
  readonly tenant: TenantId;
  readonly roles: readonly AccessRole[];
}

export const ANONYMOUS: RequestIdentity = { subject: 'anonymous', tenant: DEFAULT_TENANT, roles: ['ingest', 'read', 'admin'] };

const identities = new WeakMap<IncomingMessage, RequestIdentity>();

/** Set by the host once it has authenticated the request. */
export function recordIdentity(request: IncomingMessage, identity: RequestIdentity): void {
  identities.set(request, identity);
}

/** The request's identity; anonymous (default tenant) when the host recorded none (auth off). */
export function identityOf(request: IncomingMessage): RequestIdentity {
  return identities.get(request) ?? ANONYMOUS;
}

/**
 * gRPC calls carry the tenant as metadata set by the host's interceptor, which first deletes any
 * value the client sent under this name, so a client cannot choose its tenant by sending it.
 */
export const TENANT_METADATA_KEY = 'x-skein-authenticated-tenant';

/** The tenant the host's interceptor stamped on a gRPC call; the default tenant when auth is off. */
export function tenantOfCall(metadata: Metadata): TenantId {
  const value = metadata.get(TENANT_METADATA_KEY)[0];
  return typeof value === 'string' && isTenantId(value) ? value : DEFAULT_TENANT;
}
