import { readFileSync, statSync } from 'node:fs';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type RequestListener,
  type Server,
  type ServerOptions as HttpServerOptions,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer, type ServerOptions as HttpsOptions } from 'node:https';
import {
  experimental,
  Metadata,
  ServerCredentials,
  ServerInterceptingCall,
  status as grpcStatus,
  type ServerInterceptor,
} from '@grpc/grpc-js';
import type { AccessRequirement, ListenerAccess } from '../component/component.js';
import { ANONYMOUS, recordIdentity, TENANT_METADATA_KEY, type AccessRole, type RequestIdentity } from '../component/request-identity.js';
import type { ApiTokenTable } from '../storage/api-tokens.js';
import { Authenticator } from './authenticator.js';
import { FailureLimiter, TenantLimits } from './access-limits.js';
import { ListenError } from './listen.js';
import type { Logger } from './logger.js';
import { authConfigured, type SecurityConfig } from './security-config.js';

/**
 * Everything the host applies to a listener before a component sees a request (docs/security.md;
 * ARCHITECTURE decision 13): which address it may bind, TLS, authentication and roles, per-tenant
 * admission, the audit log. Kept apart from host.ts so the host stays about binding and lifecycle.
 */

/** Anyone who has the credential may do what its roles allow; admin may do everything. */
export function allows(identity: RequestIdentity, role: AccessRole): boolean {
  return identity.roles.includes(role) || identity.roles.includes('admin');
}

/**
 * The role `identity` is admitted under for `required` (the first of a list that it holds), which
 * decides its per-tenant limits; undefined when it holds none.
 */
function grantedRole(identity: RequestIdentity, required: AccessRole | readonly AccessRole[]): AccessRole | undefined {
  const roles: readonly AccessRole[] = typeof required === 'string' ? [required] : required;
  return roles.find((role) => allows(identity, role));
}

function describeRequirement(required: AccessRole | readonly AccessRole[]): string {
  return typeof required === 'string' ? required : required.join(' or ');
}

/** Said the same way whatever was wrong: a caller learns nothing about which part failed. */
const UNAUTHENTICATED_MESSAGE = 'authentication required: missing or invalid credentials';

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

export class ListenerSecurity {
  private readonly authenticator: Authenticator | undefined;
  private readonly failures: FailureLimiter;
  private readonly limits: TenantLimits;
  private readonly httpsServers = new Set<Server>();
  private reloadTimer: NodeJS.Timeout | undefined;
  private tlsFilesSeen = '';
  private loopbackNoteLogged = false;
  private readonly releaseOnClose: Array<() => void> = [];

  constructor(
    private readonly config: SecurityConfig,
    private readonly logger: Logger,
    /** Tokens made through the admin API, when this process has the trace store open. */
    storedTokens: () => ApiTokenTable | undefined = () => undefined,
  ) {
    this.authenticator = authConfigured(config) && config.auth ? new Authenticator(config.auth, storedTokens) : undefined;
    this.failures = new FailureLimiter(config.auth?.max_failures_per_minute ?? 20);
    this.limits = new TenantLimits(config.limits);
    if (config.tls) this.tlsFilesSeen = this.tlsFileStamp();
  }

  /**
   * The address a listener really binds. Without authentication only loopback is allowed: the
   * wildcard (every default endpoint) becomes loopback with one note in the log, any other address
   * is refused, unless `expose_without_auth` (`--insecure-expose`) says the operator means it.
   */
  bindHost(host: string, description: string): string {
    if (LOOPBACK.test(host) || this.authenticator) return host;
    if (this.config.expose_without_auth) {
      this.logger.warn(
        `${description} listens on ${host} WITHOUT authentication (--insecure-expose): anyone who can reach it can write and read every trace`,
      );
      return host;
    }
    if (host === '0.0.0.0' || host === '' || host === '::') {
      if (!this.loopbackNoteLogged) {
        this.loopbackNoteLogged = true;
        this.logger.info(
          'no authentication configured: listeners bind loopback (127.0.0.1) only; to expose them configure security.auth ' +
            '(docs/security.md), or pass --insecure-expose to expose them without authentication',
        );
      }
      return host === '::' ? '::1' : '127.0.0.1';
    }
    throw new ListenError(
      `refusing to listen on ${host} for ${description} without authentication: configure security.auth (docs/security.md) or pass --insecure-expose`,
    );
  }

  /** An HTTP or, with `security.tls`, HTTPS server whose requests pass {@link guard} first. */
  createHttpServer(handler: RequestListener, access: ListenerAccess, options: HttpServerOptions = {}): Server {
    // The one net under every listener's handlers: a handler that throws would otherwise leave its request
    // unanswered (the fuzz test found one) and reach the process as an unhandled rejection.
    const guarded: RequestListener = (request, response) =>
      this.guard(request, response, access, handler).catch((error: unknown) => {
        this.logger.warn(
          `${request.method ?? '?'} ${request.url ?? ''}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
        );
        if (response.headersSent) response.destroy();
        else refuse(response, 500, 'internal error (the server log says why)', {});
      });
    if (!this.config.tls) return createHttpServer(options, guarded);
    const server = createHttpsServer({ ...options, ...this.tlsOptions() }, guarded) as unknown as Server;
    this.httpsServers.add(server);
    server.once('close', () => this.httpsServers.delete(server));
    this.watchTlsFiles();
    return server;
  }

  /** Credentials for a gRPC listener: TLS (files re-read by grpc-js) and the authentication interceptor. */
  async grpcCredentials(access: ListenerAccess): Promise<ServerCredentials> {
    const tls = this.config.tls;
    let base = ServerCredentials.createInsecure();
    if (tls) {
      const refreshIntervalMs = tls.reload_interval;
      const identity = new experimental.FileWatcherCertificateProvider({
        certificateFile: tls.cert_file,
        privateKeyFile: tls.key_file,
        refreshIntervalMs,
      });
      const ca =
        tls.client_ca_file === undefined
          ? null
          : new experimental.FileWatcherCertificateProvider({ caCertificateFile: tls.client_ca_file, refreshIntervalMs });
      // grpc-js names this function's first parameter the CA provider but uses it as the identity
      // (server-credentials.js: the constructor takes identity first); the test proves the order.
      base = experimental.createCertificateProviderServerCredentials(identity, ca, ca !== null);
      // The providers read their files asynchronously: until they have, grpc-js drops every TLS
      // handshake ("socket disconnected before secure TLS connection"), so the first clients after
      // "listening" would fail. Bind only once both have delivered their first certificates.
      // These listeners keep the providers' ref'd refresh interval running: they are removed in
      // close(), or the process never exits (the security test hung CI for 90 minutes on exactly
      // this). Kept until then rather than removed on load: with no listener left the provider
      // forgets its certificates after two intervals, and the server would start without them.
      await Promise.all([
        new Promise<void>((loaded, failed) => {
          const listener = (update: unknown): void =>
            update === null ? failed(unreadable('cert_file or key_file', tls.cert_file, tls.key_file)) : loaded();
          identity.addIdentityCertificateListener(listener);
          this.releaseOnClose.push(() => identity.removeIdentityCertificateListener(listener));
        }),
        ca === null
          ? undefined
          : new Promise<void>((loaded, failed) => {
              const listener = (update: unknown): void =>
                update === null ? failed(unreadable('client_ca_file', tls.client_ca_file!)) : loaded();
              ca.addCaCertificateListener(listener);
              this.releaseOnClose.push(() => ca.removeCaCertificateListener(listener));
            }),
      ]);
    }
    return experimental.createServerCredentialsWithInterceptors(base, [this.grpcInterceptor(access)]);
  }

  close(): void {
    for (const release of this.releaseOnClose.splice(0)) release();
    if (this.reloadTimer) clearInterval(this.reloadTimer);
    this.reloadTimer = undefined;
  }

  private async guard(request: IncomingMessage, response: ServerResponse, access: ListenerAccess, handler: RequestListener): Promise<void> {
    const method = request.method ?? 'GET';
    const path = (request.url ?? '/').split('?')[0]!;
    // A browser's CORS preflight carries no credential by design; the listener's CORS policy answers it.
    const preflight = method === 'OPTIONS' && request.headers['access-control-request-method'] !== undefined;
    const required = preflight ? 'public' : access(method, path);
    if (required === 'public') return handler(request, response);
    let identity: RequestIdentity = ANONYMOUS;
    if (this.authenticator) {
      const client = request.socket.remoteAddress ?? '?';
      const retryAfterSeconds = this.failures.blockedFor(client);
      if (retryAfterSeconds > 0)
        return refuse(response, 429, 'too many failed authentication attempts', { 'Retry-After': String(retryAfterSeconds) });
      const tenantHeader = this.config.auth?.trusted_proxy?.tenant_header ?? 'X-Scope-OrgID';
      const proxyTenant = request.headers[tenantHeader.toLowerCase()];
      const found = await this.authenticator.authenticate({
        authorization: request.headers.authorization ?? uiSessionCredential(request),
        proxyTenant: typeof proxyTenant === 'string' ? proxyTenant : undefined,
      });
      if (found === undefined) {
        this.failures.failed(client);
        const challenges = this.authenticator.challenges;
        return refuse(response, 401, UNAUTHENTICATED_MESSAGE, challenges.length > 0 ? { 'WWW-Authenticate': challenges.join(', ') } : {});
      }
      if (grantedRole(found, required) === undefined)
        return refuse(response, 403, `this credential does not allow ${describeRequirement(required)} access`, {});
      identity = found;
    }
    const role = grantedRole(identity, required)!;
    const admitted = this.limits.admit(identity.tenant, role, response);
    if (admitted !== undefined) return refuse(response, 429, admitted.message, { 'Retry-After': String(admitted.retryAfterSeconds) });
    recordIdentity(request, identity);
    if (this.config.audit_log && role !== 'ingest') this.audit(request, response, identity, path);
    handler(request, response);
  }

  private audit(request: IncomingMessage, response: ServerResponse, identity: RequestIdentity, path: string): void {
    const time = new Date().toISOString();
    response.once('finish', () => {
      // Path only: query strings can carry search values that are themselves sensitive.
      const line = { audit: 'query', time, subject: identity.subject, tenant: identity.tenant, method: request.method, endpoint: path };
      this.logger.info(JSON.stringify({ ...line, status: response.statusCode, remote: request.socket.remoteAddress }));
    });
  }

  private grpcInterceptor(access: ListenerAccess): ServerInterceptor {
    return (methodDescriptor, call) =>
      new ServerInterceptingCall(call, {
        start: (next) =>
          next({
            onReceiveMetadata: (metadata, passOn) => {
              // Whatever a client sent under this name is not what the host decided.
              metadata.remove(TENANT_METADATA_KEY);
              const required = access('POST', methodDescriptor.path);
              this.authenticateCall(metadata, call.getPeer(), required).then(
                (result) => {
                  if (typeof result === 'string') {
                    const code =
                      result === UNAUTHENTICATED_MESSAGE
                        ? grpcStatus.UNAUTHENTICATED
                        : result.startsWith('this credential')
                          ? grpcStatus.PERMISSION_DENIED
                          : grpcStatus.RESOURCE_EXHAUSTED;
                    call.sendStatus({ code, details: result, metadata: new Metadata() });
                    return;
                  }
                  metadata.set(TENANT_METADATA_KEY, result.tenant);
                  passOn(metadata);
                },
                () => call.sendStatus({ code: grpcStatus.INTERNAL, details: 'internal error', metadata: new Metadata() }),
              );
            },
          }),
      });
  }

  /** The identity, or the refusal message. */
  private async authenticateCall(metadata: Metadata, peer: string, required: AccessRequirement): Promise<RequestIdentity | string> {
    if (required === 'public' || !this.authenticator) return ANONYMOUS;
    const client = peer.replace(/:\d+$/, '');
    if (this.failures.blockedFor(client) > 0) return 'too many failed authentication attempts';
    const text = (key: string): string | undefined => {
      const value = metadata.get(key)[0];
      return typeof value === 'string' ? value : undefined;
    };
    const tenantHeader = (this.config.auth?.trusted_proxy?.tenant_header ?? 'X-Scope-OrgID').toLowerCase();
    const identity = await this.authenticator.authenticate({ authorization: text('authorization'), proxyTenant: text(tenantHeader) });
    if (identity === undefined) {
      this.failures.failed(client);
      return UNAUTHENTICATED_MESSAGE;
    }
    const role = grantedRole(identity, required);
    if (role === undefined) return `this credential does not allow ${describeRequirement(required)} access`;
    const admitted = this.limits.admit(identity.tenant, role, undefined);
    return admitted === undefined ? identity : admitted.message;
  }

  private tlsOptions(): HttpsOptions {
    const tls = this.config.tls!;
    const read = (file: string, key: string): Buffer => {
      try {
        return readFileSync(file);
      } catch (error) {
        throw new ListenError(`security.tls.${key}: cannot read ${file}: ${(error as Error).message}`);
      }
    };
    return {
      cert: read(tls.cert_file, 'cert_file'),
      key: read(tls.key_file, 'key_file'),
      ...(tls.client_ca_file !== undefined && {
        ca: read(tls.client_ca_file, 'client_ca_file'),
        requestCert: true,
        rejectUnauthorized: true,
      }),
    };
  }

  private tlsFileStamp(): string {
    const tls = this.config.tls!;
    return [tls.cert_file, tls.key_file, tls.client_ca_file]
      .map((file) => {
        if (file === undefined) return '';
        try {
          const stat = statSync(file);
          return `${stat.mtimeMs}:${stat.size}`;
        } catch {
          return 'missing';
        }
      })
      .join('|');
  }

  /** Polls the files (a rename-into-place, as cert-manager does, defeats fs.watch) and swaps the context. */
  private watchTlsFiles(): void {
    if (this.reloadTimer || !this.config.tls) return;
    this.reloadTimer = setInterval(() => {
      const stamp = this.tlsFileStamp();
      if (stamp === this.tlsFilesSeen) return;
      this.tlsFilesSeen = stamp;
      try {
        const options = this.tlsOptions();
        for (const server of this.httpsServers)
          (server as unknown as { setSecureContext(o: HttpsOptions): void }).setSecureContext(options);
        this.logger.info('security.tls: certificate files changed; new connections use them');
      } catch (error) {
        this.logger.warn(`security.tls: keeping the previous certificate: ${(error as Error).message}`);
      }
    }, this.config.tls.reload_interval);
    this.reloadTimer.unref();
  }
}

/**
 * The web UI's login page keeps the token in the `skein_token` cookie (SameSite=Strict)
 * so every same-origin request carries it, the trace-loading worker's too, without the UI adding
 * headers; read only when no `Authorization` header is sent.
 */
export const UI_TOKEN_COOKIE = 'skein_token';

function uiSessionCredential(request: IncomingMessage): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq !== -1 && part.slice(0, eq).trim() === UI_TOKEN_COOKIE) {
      try {
        return `Bearer ${decodeURIComponent(part.slice(eq + 1).trim())}`;
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

const REFUSAL_CODES: Record<number, string> = { 401: 'unauthenticated', 403: 'forbidden', 429: 'too_many_requests' };

/** A provider delivers null when it cannot read its files: start-up fails instead of waiting for ever. */
function unreadable(keys: string, ...files: string[]): ListenError {
  return new ListenError(`security.tls.${keys}: cannot read ${files.join(' or ')} for the gRPC listener`);
}

function refuse(response: ServerResponse, status: number, message: string, headers: Record<string, string>): void {
  const body = JSON.stringify({
    error: { code: REFUSAL_CODES[status] ?? 'internal', message },
  });
  response.statusCode = status;
  for (const [name, value] of Object.entries(headers)) response.setHeader(name, value);
  response.setHeader('Content-Type', 'application/json; charset=utf-8');
  response.setHeader('Content-Length', Buffer.byteLength(body));
  response.end(body);
}
