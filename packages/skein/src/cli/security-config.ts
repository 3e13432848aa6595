import { z } from 'zod';
import { durationMillisSchema } from '../model/duration-schema.js';
import { isTenantId } from '../model/tenant.js';

/**
 * Skein's own `security` section (docs/security.md): who may reach the listeners the host binds,
 * as what tenant and with which roles; TLS for every listener; the audit log. Absent, Skein is the
 * local development server it always was, bound to loopback only (ARCHITECTURE decision 13).
 */

const tenantSchema = z.string().refine(isTenantId, { message: "expected a tenant ID: 1 to 64 letters, digits, '-', '_' or '.'" });
const rolesSchema = z.array(z.enum(['ingest', 'read', 'admin'])).min(1);

/** A static bearer token (the Collector's bearertokenauth), stored as the SHA-256 of the token only. */
const tokenSchema = z
  .object({
    /** Who, in audit lines and logs: never the token itself. */
    name: z.string().min(1).max(100),
    sha256: z
      .string()
      .regex(/^[0-9a-fA-F]{64}$/, 'expected the token\'s SHA-256 as 64 hex digits (printf %s "$TOKEN" | sha256sum)')
      .transform((hex) => hex.toLowerCase()),
    tenant: tenantSchema.optional(),
    roles: rolesSchema.default(['ingest', 'read']),
  })
  .strict();

const oidcSchema = z
  .object({
    issuer_url: z.string().url(),
    audience: z.string().min(1),
    /** Where the signing keys are; default: the issuer's discovery document's `jwks_uri`. */
    jwks_url: z.string().url().optional(),
    /** Claim holding the tenant; a token without it is the default tenant's. */
    tenant_claim: z.string().min(1).default('tenant'),
    /** Claim holding a list of roles; a token without it gets `default_roles`. */
    roles_claim: z.string().min(1).default('roles'),
    default_roles: rolesSchema.default(['read']),
    clock_skew: durationMillisSchema.default(60_000),
  })
  .strict();

export const securityConfigSchema = z
  .object({
    /** Binding a non-loopback address without any `auth` needs this (flag `--insecure-expose`). */
    expose_without_auth: z.boolean().default(false),
    auth: z
      .object({
        tokens: z.array(tokenSchema).default([]),
        /** An htpasswd file: bcrypt, `$apr1$` MD5 or `{SHA}` entries (src/cli/htpasswd.ts). */
        htpasswd: z
          .object({ file: z.string().min(1), tenant: tenantSchema.optional(), roles: rolesSchema.default(['ingest', 'read']) })
          .strict()
          .optional(),
        oidc: oidcSchema.optional(),
        /**
         * A proxy in front authenticates and names the tenant in `X-Scope-OrgID` (Tempo's header):
         * requests without a credential of Skein's own are that tenant's, with `roles`. Only safe
         * when nothing but the proxy can reach Skein (loopback, a private network, or mTLS).
         */
        trusted_proxy: z
          .object({ tenant_header: z.string().min(1).default('X-Scope-OrgID'), roles: rolesSchema.default(['ingest', 'read']) })
          .strict()
          .optional(),
        /** Failed attempts one client address may make per minute before it gets 429 for a minute. */
        max_failures_per_minute: z.number().int().positive().default(20),
      })
      .strict()
      .optional(),
    /** TLS for every listener; certificate and key are re-read when they change on disk. */
    tls: z
      .object({
        cert_file: z.string().min(1),
        key_file: z.string().min(1),
        /** Client certificates must be signed by this CA (mTLS). */
        client_ca_file: z.string().min(1).optional(),
        reload_interval: durationMillisSchema.default(10_000),
      })
      .strict()
      .optional(),
    /** One structured line per query-side request (who, tenant, endpoint, time), on stderr. */
    audit_log: z.boolean().default(false),
    /** Per-tenant limits, by tenant ID; `default` applies to tenants not named. */
    limits: z
      .record(
        z.string(),
        z
          .object({
            ingest_requests_per_second: z.number().positive().optional(),
            query_concurrency: z.number().int().positive().optional(),
            /** Spans one trace may have; beyond it the storage exporter refuses them (partial success). */
            max_spans_per_trace: z.number().int().positive().optional(),
            /**
             * Days this tenant's spans are kept (a TTL, on engines with TTL); overrides
             * storage.retention_days. At most 20000: a TTL date past 2106 wraps around in ClickHouse.
             */
            retention_days: z.number().int().min(1).max(20_000).optional(),
          })
          .strict(),
      )
      .default({}),
  })
  .strict();

export type SecurityConfig = z.output<typeof securityConfigSchema>;
export type AuthConfig = NonNullable<SecurityConfig['auth']>;
export type TlsConfig = NonNullable<SecurityConfig['tls']>;

/** Whether any way of authenticating is configured (else listeners stay on loopback). */
export function authConfigured(security: SecurityConfig): boolean {
  const auth = security.auth;
  return (
    auth !== undefined &&
    (auth.tokens.length > 0 || auth.htpasswd !== undefined || auth.oidc !== undefined || auth.trusted_proxy !== undefined)
  );
}
