import { readFile, stat } from 'node:fs/promises';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { requestUrl } from './request-url.js';

/**
 * Serves the web UI (packages/ui, built by Vite into packages/ui/dist) on the query port, in
 * front of the JSON API router. The UI's code is never imported here: only its built files are
 * read, so the backend and the UI stay apart (docs/architecture.md, `ui` row).
 *
 * - `/`, `/search`, `/map`, `/logs`, `/services`, `/services/…`, `/alerts`, `/trace/…`: index.html (the SPA routes on the client; deep links reload)
 * - `/assets/…`: Vite's content-hashed files, cached for a year (a new build has new names)
 * - everything else (`/api/*`, `/healthz`, `/readyz`, unknown paths) goes to the API router
 */

// This module lives in packages/skein/src/query (tsx) or packages/skein/dist/query (built):
// the UI's dist folder is three levels up either way.
export const DEFAULT_UI_DIST_DIR = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../ui/dist');

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
};

const NOT_BUILT_MESSAGE = [
  "Skein's web UI is not built.",
  '',
  'Build it from the repository root with:',
  '',
  '    npm run build            (everything), or',
  '    npm run build -w @skein/ui   (the UI only: writes packages/ui/dist)',
  '',
  'then reload this page. The query API works without it: see /api/v1/services.',
  '',
].join('\n');

export interface UiAssetsOptions {
  /** The Vite output folder; defaults to packages/ui/dist beside this package. */
  distDir?: string;
  /** Where unexpected file-system errors are logged (their text names paths, so it is not sent). */
  logger?: { warn(message: string): void };
}

/** True for the client-side routes that answer with index.html. */
export function isUiRoute(pathname: string): boolean {
  return (
    pathname === '/' ||
    pathname === '/search' ||
    pathname === '/search/' ||
    pathname === '/map' ||
    pathname === '/logs' ||
    pathname === '/map/' ||
    pathname === '/services' ||
    pathname === '/alerts' ||
    pathname === '/explore' ||
    pathname === '/compare' ||
    pathname.startsWith('/services/') ||
    pathname.startsWith('/trace/')
  );
}

/**
 * Wraps the query API's request listener: UI routes and assets are answered here, every other
 * request is passed on unchanged (so `/api/*`, `/healthz` and `/readyz` keep their JSON answers).
 */
export function withUiAssets(next: RequestListener, options: UiAssetsOptions = {}): RequestListener {
  const distDir = resolve(options.distDir ?? DEFAULT_UI_DIST_DIR);
  const assetsDir = join(distDir, 'assets');
  const onError = (message: string): void => options.logger?.warn(message);
  return (request, response) => {
    let pathname: string;
    try {
      pathname = decodeURIComponent(requestUrl(request).pathname);
    } catch {
      next(request, response);
      return;
    }
    const isAsset = pathname.startsWith('/assets/');
    if (!isAsset && !isUiRoute(pathname)) {
      next(request, response);
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.setHeader('Allow', 'GET, HEAD');
      sendText(response, 405, `method ${request.method ?? '?'} not allowed on ${pathname}\n`);
      return;
    }
    const served = isAsset ? serveAsset(assetsDir, pathname.slice('/assets/'.length), response) : serveIndex(distDir, response);
    served.catch((error: unknown) => {
      // The file system's message names the install path: it goes to the log, not to the client.
      onError(`web UI ${request.method ?? '?'} ${pathname}: ${(error as Error).message}`);
      if (!response.headersSent) sendText(response, 500, "cannot read the web UI's files (the server log says why)\n");
      else response.destroy();
    });
  };
}

async function serveIndex(distDir: string, response: ServerResponse): Promise<void> {
  let html: Buffer;
  try {
    html = await readFile(join(distDir, 'index.html'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    sendText(response, 503, NOT_BUILT_MESSAGE);
    return;
  }
  // Revalidate every time: index.html names the current build's hashed assets.
  send(response, 200, html, 'text/html; charset=utf-8', 'no-cache');
}

/** Longest asset name served: Vite's are under 100 bytes, and file systems refuse names of 256 bytes or more. */
const MAX_ASSET_NAME_BYTES = 200;

/**
 * Why an asset name cannot be a file of the assets folder, or undefined when it may be one. Checked
 * before any file-system call, so a hostile name (a NUL byte, a name too long for the file system,
 * `..`) is a plain 404 naming the problem, never an error from the file system (whose message
 * carries the install path).
 */
export function assetNameProblem(relative: string): string | undefined {
  if (relative === '') return 'an asset name is missing';
  if (Buffer.byteLength(relative) > MAX_ASSET_NAME_BYTES) return `asset names are at most ${MAX_ASSET_NAME_BYTES} bytes`;
  // Control characters (NUL among them) never occur in Vite's file names.
  if ([...relative].some((char) => char < ' ' || char === '\u007f' || char === '\\'))
    return 'asset names contain no control characters or backslashes';
  if (relative.split('/').some((segment) => segment === '' || segment === '.' || segment === '..'))
    return 'asset names contain no empty, "." or ".." segments';
  return undefined;
}

async function serveAsset(assetsDir: string, relative: string, response: ServerResponse): Promise<void> {
  const problem = assetNameProblem(relative);
  const file = resolve(assetsDir, relative);
  // No escaping the assets folder with `..` or absolute paths (also checked after resolving).
  if (problem !== undefined || !file.startsWith(assetsDir + sep)) {
    sendText(response, 404, `no such asset: ${problem ?? 'outside the assets folder'}\n`);
    return;
  }
  try {
    if (!(await stat(file)).isFile()) {
      sendText(response, 404, 'not found\n');
      return;
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // ENAMETOOLONG/EINVAL cannot pass the check above; they are answered as missing all the same.
    if (code !== 'ENOENT' && code !== 'ENOTDIR' && code !== 'ENAMETOOLONG' && code !== 'EINVAL') throw error;
    sendText(response, 404, `no such asset: /assets/${relative} (was the UI rebuilt? reload the page)\n`);
    return;
  }
  const body = await readFile(file);
  send(
    response,
    200,
    body,
    CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
    'public, max-age=31536000, immutable',
  );
}

function send(response: ServerResponse, status: number, body: Buffer, contentType: string, cacheControl: string): void {
  response.statusCode = status;
  response.setHeader('Content-Type', contentType);
  response.setHeader('Content-Length', body.byteLength);
  response.setHeader('Cache-Control', cacheControl);
  response.setHeader('X-Content-Type-Options', 'nosniff');
  response.end(isHead(response.req) ? undefined : body);
}

function sendText(response: ServerResponse, status: number, text: string): void {
  send(response, status, Buffer.from(text), 'text/plain; charset=utf-8', 'no-store');
}

function isHead(request: IncomingMessage): boolean {
  return request.method === 'HEAD';
}
