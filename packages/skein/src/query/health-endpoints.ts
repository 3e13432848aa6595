import type { TraceStore } from '../storage/trace-store.js';
import type { HttpRouter } from './http-router.js';
import { readingStorage } from './api-error.js';

/**
 * `/healthz` (the process runs) and `/readyz` (and its storage answers). `storeOf` is asked per
 * request: a process that uses no storage (a forwarding collector) is ready without one, and a
 * health listener started before the store opens reports on it once it is open.
 */
export function addHealthEndpoints(router: HttpRouter, storeOf: () => TraceStore | undefined): void {
  router.get('/healthz', async () => ({ status: 'ok' }));
  router.get('/readyz', async () => {
    const store = storeOf();
    if (store === undefined) return { status: 'ready' };
    await readingStorage(store.ping());
    return { status: 'ready', storage: store.description };
  });
}
