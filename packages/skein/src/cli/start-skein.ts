import { SkeinMetrics } from '../telemetry/skein-metrics.js';
import type { Role } from './command-line.js';
import type { SkeinConfig } from './config.js';
import { DataDirError, SkeinHost, type BoundListener } from './host.js';
import { ListenError } from './listen.js';
import type { Logger } from './logger.js';
import { buildServiceGraph } from './service-graph.js';

export interface RunningSkein {
  /** Bound ports by listener name (`otlpGrpc`, `otlpHttp`, `zipkin`, `query`, `metrics`). */
  ports: Record<string, number>;
  /** Every listener bound, with its routes: what the security tests knock on. */
  listeners: readonly BoundListener[];
  /** Stops listening, writes everything already accepted, closes storage. */
  stop(): Promise<void>;
}

/** Config → host + service graph → started; `stop` shuts the graph down in reverse, then the host. */
export async function startSkein(config: SkeinConfig, role: Role, logger: Logger): Promise<RunningSkein> {
  const metrics = new SkeinMetrics();
  metrics.collectProcessMetrics();
  const host = new SkeinHost(config.storage, role, logger, metrics, config.security, config.service.http_server);
  const graph = buildServiceGraph(config, role, { logger, metrics });
  try {
    await graph.start(host);
  } catch (error) {
    await host.close().catch(() => undefined);
    throw error;
  }
  const stop = async (): Promise<void> => {
    try {
      await graph.shutdown(host);
    } finally {
      await host.close();
    }
  };
  return { ports: host.ports, listeners: host.bound, stop };
}

export { DataDirError, ListenError };
