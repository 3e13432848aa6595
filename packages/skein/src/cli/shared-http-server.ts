import type { IncomingMessage, RequestListener, Server as HttpServer, ServerResponse } from 'node:http';
import { accessFor, type HttpListenerSpec, type ListenerAccess } from '../component/component.js';

/** Makes the server with the host's security and limits around one handler and one access rule. */
export type HttpServerFactory = (handler: RequestListener, access: ListenerAccess) => HttpServer;

interface Claim {
  readonly owner: string;
  readonly spec: HttpListenerSpec;
}

/**
 * One HTTP server for every listener spec bound to the same endpoint, as a Zipkin server answers
 * both `POST /api/v2/spans` (collector) and `GET /api/v2/…` (query) on :9411 while Skein builds
 * them as two components. A request goes to the first listener whose `claims` accepts it, else to
 * the listener without `claims`, else to the first listener bound, whose own handler answers as it
 * did alone (404, 405): one listener on its own behaves exactly as a server of its own.
 * The role a request needs is the `access` of the listener that claims it (the receiver's
 * `ingest` for `POST /api/v2/spans`, the Zipkin API's `read` for its `GET`s), decided by the same
 * lookup before authentication, so sharing a port never changes who may call what.
 */
export class SharedHttpServer {
  readonly server: HttpServer;
  private claims: Claim[] = [];
  /** The bound port once listening; set by the host. */
  boundPort: Promise<number> | undefined;

  constructor(
    readonly endpoint: string,
    createServer: HttpServerFactory,
  ) {
    this.server = createServer(
      (request, response) => this.dispatch(request, response),
      (method, path) => {
        const claim = this.claimFor(method, path);
        return (claim?.spec.access ?? accessFor('read'))(method, path);
      },
    );
  }

  /**
   * Whether `spec` may join this server: at most one of its listeners may lack `claims` (it gets
   * every request no other claims), so two such listeners on one fixed port stay a "port in use"
   * error. Port 0 means "any free port": listeners written `127.0.0.1:0` share only when one of
   * them names the other's port in `sharesPortWith` (the Zipkin API names the Zipkin receiver's),
   * so that unrelated listeners on free ports (OTLP/HTTP and Zipkin in tests) stay apart.
   */
  accepts(spec: HttpListenerSpec, fixedPort: boolean): boolean {
    if (spec.endpoint !== this.endpoint) return false;
    const withoutClaims = this.claims.filter((claim) => claim.spec.claims === undefined).length + (spec.claims === undefined ? 1 : 0);
    if (withoutClaims > 1) return false;
    if (fixedPort) return true;
    return this.claims.some((claim) => claim.spec.sharesPortWith === spec.portName || spec.sharesPortWith === claim.spec.portName);
  }

  add(owner: string, spec: HttpListenerSpec): void {
    this.claims.push({ owner, spec });
  }

  /** Removes `owner`'s listeners; true when none is left (the host then closes the server). */
  remove(owner: string): boolean {
    this.claims = this.claims.filter((claim) => claim.owner !== owner);
    return this.claims.length === 0;
  }

  hasOwner(owner: string): boolean {
    return this.claims.some((claim) => claim.owner === owner);
  }

  private claimFor(method: string, path: string): Claim | undefined {
    return (
      this.claims.find((candidate) => candidate.spec.claims?.(method, path) === true) ??
      this.claims.find((candidate) => candidate.spec.claims === undefined) ??
      this.claims[0]
    );
  }

  private dispatch(request: IncomingMessage, response: ServerResponse): void {
    const claim = this.claimFor(request.method ?? 'GET', (request.url ?? '/').split('?')[0]!);
    if (claim === undefined) {
      // Between the last owner leaving and the server closing.
      response.statusCode = 503;
      response.end();
      return;
    }
    void claim.spec.handler(request, response);
  }
}
