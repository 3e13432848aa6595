import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import type { AccessRole, RequestIdentity } from '../component/request-identity.js';
import { ConfigError } from '../model/config-error.js';
import { DEFAULT_TENANT, isTenantId, type TenantId } from '../model/tenant.js';
import type { AuthConfig } from './security-config.js';

/**
 * Turns a request's credential into an identity (the Collector's bearertokenauth, basicauth and
 * oidc extensions in one place). Every failure is the same `undefined`: the caller answers one
 * message whatever was wrong, so a caller cannot learn which user, token or claim was close.
 */

export interface Credentials {
  /** The `Authorization` header (HTTP) or metadata value (gRPC). */
  readonly authorization: string | undefined;
  /** The trusted proxy's tenant header, when a proxy authenticates. */
  readonly proxyTenant: string | undefined;
}

interface StaticUser {
  readonly subject: string;
  readonly tenant: TenantId;
  readonly roles: readonly AccessRole[];
}

const sha256 = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

export class Authenticator {
  /** By SHA-256 of the token (hex): looking a hash up reveals nothing about the token by timing. */
  private readonly tokens = new Map<string, StaticUser>();
  /** htpasswd users by name: the `{SHA}` digest of their password. */
  private readonly basicUsers = new Map<string, { digest: Buffer; user: StaticUser }>();
  private readonly jwks: ReturnType<typeof createRemoteJWKSet> | undefined;
  private jwksFromDiscovery: Promise<ReturnType<typeof createRemoteJWKSet>> | undefined;

  constructor(private readonly config: AuthConfig) {
    for (const token of config.tokens) {
      this.tokens.set(token.sha256, { subject: `token:${token.name}`, tenant: token.tenant ?? DEFAULT_TENANT, roles: token.roles });
    }
    if (config.htpasswd) this.loadHtpasswd(config.htpasswd);
    const oidc = config.oidc;
    // jose caches the key set and re-fetches it (rate-limited) when a token names an unknown key.
    if (oidc?.jwks_url !== undefined) this.jwks = createRemoteJWKSet(new URL(oidc.jwks_url));
  }

  /** Which schemes a refusal's `WWW-Authenticate` offers. */
  get challenges(): string[] {
    return [
      ...(this.tokens.size > 0 || this.config.oidc ? ['Bearer realm="skein"'] : []),
      ...(this.config.htpasswd ? ['Basic realm="skein", charset="UTF-8"'] : []),
    ];
  }

  async authenticate(credentials: Credentials): Promise<RequestIdentity | undefined> {
    const { authorization } = credentials;
    if (authorization === undefined || authorization === '') return this.fromProxy(credentials);
    const space = authorization.indexOf(' ');
    const scheme = authorization.slice(0, space === -1 ? undefined : space).toLowerCase();
    const value = space === -1 ? '' : authorization.slice(space + 1).trim();
    let identity: RequestIdentity | undefined;
    if (scheme === 'bearer') identity = this.tokens.get(sha256(value).toString('hex')) ?? (await this.fromJwt(value));
    else if (scheme === 'basic') identity = this.fromBasic(value);
    if (identity === undefined) return undefined;
    // An admin may act for any tenant by naming it (Tempo's header), as an operator does.
    const asTenant = credentials.proxyTenant;
    if (asTenant !== undefined && identity.roles.includes('admin')) {
      return isTenantId(asTenant) ? { ...identity, tenant: asTenant } : undefined;
    }
    return identity;
  }

  private fromProxy(credentials: Credentials): RequestIdentity | undefined {
    const proxy = this.config.trusted_proxy;
    if (!proxy) return undefined;
    // The proxy vouches for every request; one that names no tenant is the default tenant's.
    const tenant = credentials.proxyTenant ?? DEFAULT_TENANT;
    if (!isTenantId(tenant)) return undefined;
    return { subject: `proxy:${tenant}`, tenant, roles: proxy.roles };
  }

  private fromBasic(encoded: string): RequestIdentity | undefined {
    const decoded = Buffer.from(encoded, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon <= 0) return undefined;
    const entry = this.basicUsers.get(decoded.slice(0, colon));
    // Compare against a digest even for an unknown user, so timing does not tell users apart.
    const digest = createHash('sha1')
      .update(decoded.slice(colon + 1), 'utf8')
      .digest();
    const expected = entry?.digest ?? Buffer.alloc(digest.length);
    return expected.length === digest.length && timingSafeEqual(digest, expected) && entry !== undefined ? entry.user : undefined;
  }

  private async fromJwt(token: string): Promise<RequestIdentity | undefined> {
    const oidc = this.config.oidc;
    if (!oidc || token.split('.').length !== 3) return undefined;
    let payload: JWTPayload;
    try {
      const keys = this.jwks ?? (await this.discoveredJwks(oidc.issuer_url));
      ({ payload } = await jwtVerify(token, keys, {
        issuer: oidc.issuer_url,
        audience: oidc.audience,
        clockTolerance: Math.round(oidc.clock_skew / 1000),
      }));
    } catch {
      return undefined;
    }
    const claimedTenant = payload[oidc.tenant_claim];
    let tenant: TenantId = DEFAULT_TENANT;
    if (claimedTenant !== undefined) {
      if (typeof claimedTenant !== 'string' || !isTenantId(claimedTenant)) return undefined;
      tenant = claimedTenant;
    }
    const claimedRoles = payload[oidc.roles_claim];
    const roles = Array.isArray(claimedRoles)
      ? claimedRoles.filter((role): role is AccessRole => role === 'ingest' || role === 'read' || role === 'admin')
      : oidc.default_roles;
    return { subject: `oidc:${payload.sub ?? '?'}`, tenant, roles };
  }

  /** The issuer's `jwks_uri` from its discovery document, fetched once (again after a failure). */
  private discoveredJwks(issuerUrl: string): Promise<ReturnType<typeof createRemoteJWKSet>> {
    this.jwksFromDiscovery ??= (async () => {
      const response = await fetch(`${issuerUrl.replace(/\/$/, '')}/.well-known/openid-configuration`);
      if (!response.ok) throw new Error(`OIDC discovery answered ${response.status}`);
      const document = (await response.json()) as { jwks_uri?: unknown };
      if (typeof document.jwks_uri !== 'string') throw new Error('OIDC discovery document has no jwks_uri');
      return createRemoteJWKSet(new URL(document.jwks_uri));
    })();
    this.jwksFromDiscovery.catch(() => (this.jwksFromDiscovery = undefined));
    return this.jwksFromDiscovery;
  }

  private loadHtpasswd(htpasswd: NonNullable<AuthConfig['htpasswd']>): void {
    const key = 'security.auth.htpasswd.file';
    let text: string;
    try {
      text = readFileSync(htpasswd.file, 'utf8');
    } catch (error) {
      throw new ConfigError(`${key}: cannot read ${htpasswd.file}: ${(error as Error).message}`, key);
    }
    text.split(/\r?\n/).forEach((line, index) => {
      if (line.trim() === '' || line.startsWith('#')) return;
      const colon = line.indexOf(':');
      const name = line.slice(0, colon);
      const hash = line.slice(colon + 1).trim();
      // Refuse what cannot be checked rather than let that user never (or always) in.
      if (colon <= 0 || !hash.startsWith('{SHA}')) {
        throw new ConfigError(
          `${key}: ${htpasswd.file} line ${index + 1}: only {SHA} entries are supported (htpasswd -s); bcrypt, MD5 and crypt are not`,
          key,
        );
      }
      const user: StaticUser = { subject: `user:${name}`, tenant: htpasswd.tenant ?? DEFAULT_TENANT, roles: htpasswd.roles };
      this.basicUsers.set(name, { digest: Buffer.from(hash.slice('{SHA}'.length), 'base64'), user });
    });
  }
}
