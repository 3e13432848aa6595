import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Span } from '../../model/span.js';
import type { ConsumeResult } from '../pipeline/consume-result.js';
import type { BackendResolver } from './backend-resolver.js';
import { ConsistentHashRing, DEFAULT_VIRTUAL_NODES } from './consistent-hash-ring.js';
import type { ExporterTelemetry, ManagedExporter } from './exporter-telemetry.js';
import type { HandedOverBatch } from './handover.js';
import type { OtlpExporter } from './otlp-exporter.js';
import { splitByBackend, type RoutingKey } from './routing-key.js';
import { unavailable } from '../pipeline/consume-status.js';

export interface LoadBalancingOptions {
  routingKey: RoutingKey;
  resolver: BackendResolver;
  /** Builds the (not yet started) exporter of one backend, with its own queue (on disk in `queueDir`). */
  createBackendExporter(endpoint: string, queueDir: string | undefined): OtlpExporter;
  /**
   * Persistent mode: the directory holding the backends' on-disk queues, one directory per
   * exporter instance (`<encoded endpoint>@<instance>`). What is left there from before a restart
   * is re-routed at start.
   */
  persistentRoot?: string;
  virtualNodes?: number;
}

/** The retry hint when no backend is known. */
const NO_BACKEND_RETRY_AFTER_MILLIS = 1_000;

/**
 * The Collector's `loadbalancing` exporter: sends each span to the backend that owns its routing
 * key (trace ID by default) on a consistent-hash ring, so every span of a trace reaches the same
 * backend, which is what a tail sampler behind it needs (ARCHITECTURE decision 5).
 *
 * Each backend has its own OTLP exporter and queue. A backend that is down (refused connections,
 * 503) keeps its share and is retried: re-routing its traces elsewhere would split them across
 * a restart. Only a backend that leaves the resolver's set gives its share up; the batches it
 * still holds (waiting, being retried, or on disk) are re-routed over the new ring, not lost: the
 * load balancer drains a retired exporter's hand-over itself (see `retire`).
 */
export class LoadBalancingExporter implements ManagedExporter {
  private ring = new ConsistentHashRing([]);
  private readonly backends = new Map<string, OtlpExporter>();
  /** Exporters handing their last batches to the ring, and the promise of each one's clean-up. */
  private readonly retiring = new Map<OtlpExporter, Promise<void>>();
  /** Backend set changes are applied one at a time, in order. */
  private changes: Promise<void> = Promise.resolve();
  private stopped = false;
  private instances = 0;

  constructor(
    readonly name: string,
    private readonly options: LoadBalancingOptions,
    private readonly telemetry: ExporterTelemetry,
  ) {}

  /** The current backends, sorted. */
  get backendEndpoints(): readonly string[] {
    return this.ring.members;
  }

  async start(): Promise<void> {
    // Queues left on disk are listed before this run creates its own.
    const leftOver = this.options.persistentRoot === undefined ? [] : await listQueueDirs(this.options.persistentRoot);
    const endpoints = await this.options.resolver.start((next) => {
      // A change that cannot be applied (an exporter failed to start) is logged and the chain goes
      // on: a rejected link would skip every later change and crash the process unhandled.
      this.changes = this.changes.then(() =>
        this.applyBackends(next).catch((error: unknown) =>
          this.telemetry.logger.error(`exporter ${this.name}: cannot apply backends ${next.join(', ')}: ${(error as Error).message}`),
        ),
      );
    });
    // Through the same chain as later changes, so a change reported meanwhile waits for this one
    // (two applyBackends at once would both create the exporter of a new endpoint).
    const initial = this.changes.then(() => this.applyBackends(endpoints));
    this.changes = initial.catch(() => undefined);
    await initial;
    for (const dir of leftOver) await this.rerouteLeftOverQueue(dir);
  }

  async consume(spans: Span[]): Promise<ConsumeResult> {
    if (spans.length === 0) return { outcome: 'success' };
    if (this.stopped) {
      return unavailable('Skein is shutting down', NO_BACKEND_RETRY_AFTER_MILLIS);
    }
    if (this.ring.size === 0) {
      return unavailable(`exporter ${this.name}: no backends resolved yet`, NO_BACKEND_RETRY_AFTER_MILLIS);
    }
    // Split and hand over in one synchronous turn: the ring and the backend map cannot change
    // in between, so every backend the ring names has its exporter.
    const batches = splitByBackend(spans, this.ring, this.options.routingKey);
    const results = await Promise.all([...batches].map(([endpoint, batch]) => this.backends.get(endpoint)!.consume(batch)));
    // A retryable part wins over a final one: the sender retries, and what can go through does.
    return (
      results.find((result) => result.outcome === 'retryable') ??
      results.find((result) => result.outcome === 'failure') ?? { outcome: 'success' }
    );
  }

  async shutdown(): Promise<void> {
    this.stopped = true;
    this.options.resolver.stop();
    await this.changes;
    const retirements = [...this.retiring.values()];
    await Promise.all([...this.backends.values(), ...this.retiring.keys()].map((exporter) => exporter.shutdown()));
    // A retirement that finished draining deletes its queue directory; wait for that too, so a
    // restart never lists a directory that is being deleted under it.
    await Promise.all(retirements);
  }

  private async applyBackends(endpoints: readonly string[]): Promise<void> {
    if (this.stopped) return;
    const wanted = new Set(endpoints);
    const added = endpoints.filter((endpoint) => !this.backends.has(endpoint));
    const removed = [...this.backends.keys()].filter((endpoint) => !wanted.has(endpoint));
    for (const endpoint of added) {
      const exporter = this.options.createBackendExporter(endpoint, this.newQueueDir(endpoint));
      await exporter.start();
      this.backends.set(endpoint, exporter);
    }
    this.ring = new ConsistentHashRing(wanted, this.options.virtualNodes ?? DEFAULT_VIRTUAL_NODES);
    for (const endpoint of removed) {
      const exporter = this.backends.get(endpoint)!;
      this.backends.delete(endpoint);
      this.retire(exporter);
    }
    if (added.length > 0 || removed.length > 0) {
      this.telemetry.logger.info(
        `exporter ${this.name}: backends ${[...wanted].sort().join(', ') || '(none)'}` +
          (added.length > 0 ? `; added ${added.join(', ')}` : '') +
          (removed.length > 0 ? `; removed ${removed.join(', ')} (their queued spans are re-routed)` : ''),
      );
    }
  }

  /**
   * Retires a backend's exporter and drains it: every batch it still holds (waiting, being retried
   * or on disk) is placed on the current ring here, and settled with the outcome. The exporter
   * hands its batches over and never calls back into the load balancer; it is forgotten once it
   * ended the hand-over (everything settled, its queue deleted).
   */
  private retire(exporter: OtlpExporter, handedOver: AsyncIterable<HandedOverBatch> = exporter.retire()): void {
    const retirement = this.drain(handedOver)
      .catch((error: unknown) => this.telemetry.logger.error(`exporter ${exporter.name}: retiring failed: ${(error as Error).message}`))
      .finally(() => this.retiring.delete(exporter));
    this.retiring.set(exporter, retirement);
  }

  private async drain(handedOver: AsyncIterable<HandedOverBatch>): Promise<void> {
    for await (const batch of handedOver) {
      // Not awaited: the exporter hands over up to num_consumers batches at once.
      this.consume(batch.spans).then(
        (result) => batch.settle(result),
        (error: unknown) => batch.settle({ outcome: 'failure', message: `exporter ${this.name}: ${(error as Error).message}` }),
      );
    }
  }

  /**
   * Every exporter instance gets a directory of its own: a backend removed and soon added again
   * gets a new queue while the old one is still being re-routed, and neither touches the other's.
   */
  private newQueueDir(endpoint: string): string | undefined {
    const root = this.options.persistentRoot;
    if (root === undefined) return undefined;
    return join(root, `${encodeURIComponent(endpoint)}@${Date.now().toString(36)}-${++this.instances}`);
  }

  /**
   * A queue from before a restart is re-routed over the current ring, never abandoned: with the
   * same backends the ring sends every trace where it was going, and a backend that left while
   * Skein was down gives its share to the others.
   */
  private async rerouteLeftOverQueue(dir: { path: string; endpoint: string }): Promise<void> {
    const exporter = this.options.createBackendExporter(dir.endpoint, dir.path);
    // Retired before it starts: not one batch of it goes to the old endpoint.
    const handedOver = exporter.retire();
    await exporter.start();
    const { queuedSpans } = exporter.stats();
    if (queuedSpans > 0) {
      this.telemetry.logger.info(
        `exporter ${this.name}: re-routing ${queuedSpans} spans queued on disk for ${dir.endpoint} before the restart`,
      );
    }
    this.retire(exporter, handedOver);
  }
}

async function listQueueDirs(root: string): Promise<Array<{ path: string; endpoint: string }>> {
  const entries = await readdir(root, { withFileTypes: true }).catch(() => []);
  const dirs: Array<{ path: string; endpoint: string }> = [];
  for (const entry of entries) {
    const at = entry.name.lastIndexOf('@');
    if (!entry.isDirectory() || at <= 0) continue;
    try {
      dirs.push({ path: join(root, entry.name), endpoint: decodeURIComponent(entry.name.slice(0, at)) });
    } catch {
      // Not one of ours (undecodable name): left alone.
    }
  }
  return dirs;
}
