import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import type { AccessRole, RequestIdentity } from '../component/request-identity.js';
import type { ApiTokenTable } from '../storage/api-tokens.js';
import { ConfigError } from '../model/config-error.js';
import { DEFAULT_TENANT, isTenantId, type TenantId } from '../model/tenant.js';
import { htpasswdScheme, verifyHtpasswd, type HtpasswdEntry } from './htpasswd.js';
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

/** How long a verified basic-auth password is not hashed again (the file itself is read at start-up). */
const PROVEN_PASSWORD_MILLIS = 5 * 60_000;
const MAX_PROVEN_PASSWORDS = 10_000;

const STORED_TOKENS_MAX_AGE_MILLIS = 5_000;
const STORED_TOKENS_MISS_REFRESH_MILLIS = 1_000;

const sha256 = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

export class Authenticator {
  /** By SHA-256 of the token (hex): looking a hash up reveals nothing about the token by timing. */
  private readonly tokens = new Map<string, StaticUser>();
  /** htpasswd users by name, with their stored hash. */
  private readonly basicUsers = new Map<string, { stored: HtpasswdEntry; user: StaticUser }>();
  /** SHA-256 of `user\0password` pairs recently verified, and when. */
  private readonly provenPasswords = new Map<string, number>();
  private readonly jwks: ReturnType<typeof createRemoteJWKSet> | undefined;
  private jwksFromDiscovery: Promise<ReturnType<typeof createRemoteJWKSet>> | undefined;

  /** Tokens made through the admin API, by SHA-256, and when they were read. */
  private stored: { byHash: Map<string, StaticUser>; readAt: number } = { byHash: new Map(), readAt: 0 };
  private storedRead: Promise<void> | undefined;

  constructor(
    private readonly config: AuthConfig,
    /** The admin API's token table, once the trace store is open in this process (else none). */
    private readonly storedTokens: () => ApiTokenTable | undefined = () => undefined,
  ) {
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
    if (scheme === 'bearer') {
      const hash = sha256(value).toString('hex');
      identity = this.tokens.get(hash) ?? (await this.fromStoredToken(hash)) ?? (await this.fromJwt(value));
    } else if (scheme === 'basic') identity = await this.fromBasic(value);
    if (identity === undefined) return undefined;
    // An admin may act for any tenant by naming it (Tempo's header), as an operator does.
    const asTenant = credentials.proxyTenant;
    if (asTenant !== undefined && identity.roles.includes('admin')) {
      return isTenantId(asTenant) ? { ...identity, tenant: asTenant } : undefined;
    }
    return identity;
  }

  /**
   * A token made through the admin API. The table is re-read at most every STORED_TOKENS_MAX_AGE
   * (a revoke takes effect within it, in every process), and on an unknown token at most every
   * STORED_TOKENS_MISS_REFRESH (a new token works within it; guessing cannot make Skein query more).
   */
  private async fromStoredToken(hash: string): Promise<RequestIdentity | undefined> {
    const table = this.storedTokens();
    if (table === undefined) return undefined;
    const age = Date.now() - this.stored.readAt;
    if (age > STORED_TOKENS_MAX_AGE_MILLIS || (age > STORED_TOKENS_MISS_REFRESH_MILLIS && !this.stored.byHash.has(hash))) {
      this.storedRead ??= table
        .live()
        .then((rows) => {
          const byHash = new Map<string, StaticUser>();
          for (const row of rows) {
            const roles = row.roles.filter((role): role is AccessRole => role === 'ingest' || role === 'read');
            if (isTenantId(row.tenant) && roles.length > 0)
              byHash.set(row.tokenSha256, { subject: `api-token:${row.name}`, tenant: row.tenant, roles });
          }
          this.stored = { byHash, readAt: Date.now() };
        })
        // Storage down: keep the tokens last read; the next request tries again.
        .catch(() => undefined)
        .finally(() => (this.storedRead = undefined));
      await this.storedRead;
    }
    return this.stored.byHash.get(hash);
  }

  private fromProxy(credentials: Credentials): RequestIdentity | undefined {
    const proxy = this.config.trusted_proxy;
    if (!proxy) return undefined;
    // The proxy vouches for every request; one that names no tenant is the default tenant's.
    const tenant = credentials.proxyTenant ?? DEFAULT_TENANT;
    if (!isTenantId(tenant)) return undefined;
    return { subject: `proxy:${tenant}`, tenant, roles: proxy.roles };
  }

  private async fromBasic(encoded: string): Promise<RequestIdentity | undefined> {
    const decoded = Buffer.from(encoded, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon <= 0) return undefined;
    const name = decoded.slice(0, colon);
    const password = decoded.slice(colon + 1);
    const entry = this.basicUsers.get(name);
    // bcrypt costs ~50-100 ms of CPU per check in JavaScript: a user who just proved the same
    // password is not checked again for a while (the cache holds a digest, never the password).
    const proof = sha256(`${name}\0${password}`).toString('hex');
    const provenAt = this.provenPasswords.get(proof);
    if (entry !== undefined && provenAt !== undefined && Date.now() - provenAt < PROVEN_PASSWORD_MILLIS) return entry.user;
    // An unknown user is checked against a real entry too, so timing does not tell users apart.
    const ok = await verifyHtpasswd(entry?.stored ?? this.decoyEntry(), password);
    if (!ok || entry === undefined) return undefined;
    if (this.provenPasswords.size >= MAX_PROVEN_PASSWORDS) this.provenPasswords.delete(this.provenPasswords.keys().next().value!);
    this.provenPasswords.set(proof, Date.now());
    return entry.user;
  }

  /** The costliest entry of the file: what an unknown user's check costs. */
  private decoyEntry(): HtpasswdEntry {
    const entries = [...this.basicUsers.values()].map((user) => user.stored);
    return entries.find((entry) => entry.scheme === 'bcrypt') ?? entries[0] ?? { scheme: 'sha1', hash: '{SHA}' };
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
      const scheme = colon > 0 ? htpasswdScheme(hash) : undefined;
      // Refuse what cannot be checked rather than let that user never (or always) in.
      if (scheme === undefined) {
        throw new ConfigError(
          `${key}: ${htpasswd.file} line ${index + 1}: unsupported entry; expected bcrypt (htpasswd -B), $apr1$ MD5 (htpasswd -m) or {SHA} (htpasswd -s); crypt and plain text are not accepted`,
          key,
        );
      }
      const user: StaticUser = { subject: `user:${name}`, tenant: htpasswd.tenant ?? DEFAULT_TENANT, roles: htpasswd.roles };
      this.basicUsers.set(name, { stored: { scheme, hash }, user });
    });
  }
}
