import type { Server as HttpServer } from 'node:http';
import { ServerCredentials, type Server as GrpcServer } from '@grpc/grpc-js';

export class ListenError extends Error {
  override readonly name = 'ListenError';
}

function explain(label: string, host: string, port: number, hint: string, error: NodeJS.ErrnoException | Error): ListenError {
  const code = 'code' in error ? error.code : undefined;
  const reason =
    code === 'EADDRINUSE' || /address already in use|No address added/i.test(error.message)
      ? 'the port is already in use'
      : code === 'EACCES'
        ? 'permission denied (ports below 1024 need privileges)'
        : code === 'EADDRNOTAVAIL'
          ? 'the address is not available on this machine'
          : error.message;
  return new ListenError(`cannot listen on ${host}:${port} for ${label}: ${reason} (${hint})`);
}

/** Listens and resolves with the bound port (useful with port 0 in tests). */
export function listenHttp(server: HttpServer, host: string, port: number, label: string, hint: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => reject(explain(label, host, port, hint, error));
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : port);
    });
  });
}

export function listenGrpc(
  server: GrpcServer,
  host: string,
  port: number,
  label: string,
  hint: string,
  credentials: ServerCredentials = ServerCredentials.createInsecure(),
): Promise<number> {
  const target = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  return new Promise((resolve, reject) => {
    server.bindAsync(target, credentials, (error, boundPort) => {
      if (error) reject(explain(label, host, port, hint, error));
      else resolve(boundPort);
    });
  });
}
