import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';

/** A throwaway PKI made by openssl: a CA, a server certificate for 127.0.0.1, a client, and a stranger CA's client. */
export interface TestPki {
  dir: string;
  caCert: Buffer;
  serverCertFile: string;
  serverKeyFile: string;
  caFile: string;
  client: { cert: Buffer; key: Buffer };
  strangerClient: { cert: Buffer; key: Buffer };
  /** Issues a fresh server certificate (a new serial) into the given files: for the reload test. */
  reissueServer(certFile: string, keyFile: string): void;
}

function openssl(dir: string, ...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
}

export function makePki(dir: string): TestPki {
  const key = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const ca = (name: string): void =>
    openssl(dir, 'req', '-x509', ...key, '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '1', '-subj', `/CN=${name}`);
  const leaf = (name: string, caName: string, extension: string, certFile = `${name}.crt`, keyFile = `${name}.key`): void => {
    openssl(dir, 'req', ...key, '-keyout', keyFile, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
    writeFileSync(join(dir, `${name}.ext`), extension);
    openssl(
      dir,
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      `${caName}.crt`,
      '-CAkey',
      `${caName}.key`,
      '-CAcreateserial',
      '-out',
      certFile,
      '-days',
      '1',
      '-extfile',
      `${name}.ext`,
    );
  };
  ca('test-ca');
  ca('stranger-ca');
  leaf('server', 'test-ca', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  leaf('client', 'test-ca', 'extendedKeyUsage=clientAuth\n');
  leaf('stranger', 'stranger-ca', 'extendedKeyUsage=clientAuth\n');
  const read = (file: string): Buffer => readFileSync(join(dir, file));
  return {
    dir,
    caCert: read('test-ca.crt'),
    caFile: join(dir, 'test-ca.crt'),
    serverCertFile: join(dir, 'server.crt'),
    serverKeyFile: join(dir, 'server.key'),
    client: { cert: read('client.crt'), key: read('client.key') },
    strangerClient: { cert: read('stranger.crt'), key: read('stranger.key') },
    reissueServer: (certFile, keyFile) =>
      leaf('server2', 'test-ca', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n', certFile, keyFile),
  };
}

export const sha256Hex = (text: string): string => createHash('sha256').update(text).digest('hex');

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** The server certificate's serial number, to see a reload. */
  serverSerial: string;
}

export interface CallOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  client?: { cert: Buffer; key: Buffer } | null;
}

/** How long one request may take before it fails naming its path: a fault is a failure, never a hang. */
export const CALL_TIMEOUT_MILLIS = 15_000;
/** In the message of a request that timed out, so a test expecting a refusal can tell the two apart. */
export const NO_ANSWER = 'no answer within';

/** One HTTPS request trusting the test CA, with the test client's certificate unless told otherwise. */
export function callWith(pki: TestPki, port: number, path: string, options: CallOptions = {}): Promise<Answer> {
  const client = options.client === undefined ? pki.client : options.client;
  const method = options.method ?? 'GET';
  const timedOut = (error: Error): Error =>
    error.name === 'AbortError' ? new Error(`${method} https://127.0.0.1:${port}${path}: ${NO_ANSWER} ${CALL_TIMEOUT_MILLIS} ms`) : error;
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: '127.0.0.1',
        port,
        path,
        method,
        signal: AbortSignal.timeout(CALL_TIMEOUT_MILLIS),
        headers: {
          ...(options.body !== undefined && {
            'Content-Type': 'application/json',
            'Content-Length': String(Buffer.byteLength(options.body)),
          }),
          ...options.headers,
        },
        ca: pki.caCert,
        ...(client && { cert: client.cert, key: client.key }),
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('error', (error: Error) => reject(timedOut(error)));
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
            serverSerial: (res.socket as TLSSocket).getPeerCertificate?.()?.serialNumber ?? '',
          }),
        );
      },
    );
    req.on('error', (error: Error) => reject(timedOut(error)));
    req.end(options.body);
  });
}

/** An OTLP/JSON request: one resource per service, spans given as [service, traceId, spanId, parentSpanId, kind]. */
export function otlpJson(
  spans: Array<{ service: string; traceId: string; spanId: string; parentSpanId?: string; kind?: number; attribute?: string }>,
): string {
  const now = BigInt(Date.now()) * 1_000_000n;
  const byService = new Map<string, typeof spans>();
  for (const span of spans) byService.set(span.service, [...(byService.get(span.service) ?? []), span]);
  return JSON.stringify({
    resourceSpans: [...byService].map(([service, list]) => ({
      resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
      scopeSpans: [
        {
          spans: list.map((span) => ({
            traceId: span.traceId,
            spanId: span.spanId,
            ...(span.parentSpanId !== undefined && { parentSpanId: span.parentSpanId }),
            name: `${service}-op`,
            kind: span.kind ?? 2,
            startTimeUnixNano: (now - 5_000_000n).toString(),
            endTimeUnixNano: now.toString(),
            attributes: span.attribute ? [{ key: span.attribute, value: { stringValue: 'secret-value' } }] : [],
          })),
        },
      ],
    })),
  });
}
