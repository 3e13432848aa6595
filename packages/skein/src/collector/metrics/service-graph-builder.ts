import { histogramIndexOf } from '../../model/latency-histogram.js';
import { SpanKind, StatusCode, serviceNameOf, type Span } from '../../model/span.js';
import type { TenantId } from '../../model/tenant.js';
import type { ServiceGraphEdgeRow } from '../../storage/metrics-store.js';
import type { ServiceGraphConfig } from './metrics-tap-config.js';
import { attributeText, bucketOf } from './span-metrics-aggregator.js';

/**
 * The service graph (the Collector's `servicegraph` connector), from every span before sampling.
 * A CLIENT or PRODUCER span waits in a bounded store under (trace, its span ID); a SERVER or
 * CONSUMER span under (trace, its parent span ID), or — a consumer with no parent — under the span
 * its first link points at. When both halves are there the edge client → server is counted
 * (calls, failed when either half has status ERROR, both latencies). Halves that wait longer than
 * `store.ttl` expire: a client half with a peer attribute (`peer.service`, `db.namespace`,
 * `server.address`, `messaging.destination.name`, …) becomes an edge to a virtual node named by
 * that attribute; a root server half becomes an edge from the virtual `user` node; the rest are
 * counted as unpaired. A full store drops new halves and counts them.
 */

const SEP = '\u001f';

interface PendingEdge {
  readonly tenant: TenantId;
  readonly expiresAtMillis: number;
  readonly minute: number;
  weight: number;
  client: string | undefined;
  server: string | undefined;
  clientNanos: number;
  serverNanos: number;
  failed: boolean;
  messaging: boolean;
  /** The client's peer, for a virtual node if the server never comes. */
  peer: { readonly name: string; readonly connectionType: string } | undefined;
  /** The server half was a root span (no parent): its caller is the virtual `user` node. */
  serverIsRoot: boolean;
}

export interface EdgeSeries {
  readonly tenant: TenantId;
  readonly client: string;
  readonly server: string;
  readonly connectionType: string;
  calls: number;
  failed: number;
  readonly serverBuckets: Float64Array;
  readonly clientBuckets: Float64Array;
  serverSumNanos: number;
  clientSumNanos: number;
}

interface EdgeDelta {
  calls: number;
  failed: number;
  histogram: Map<number, number>;
}

export class ServiceGraphBuilder {
  private readonly pending = new Map<string, PendingEdge>();
  /** Cumulative edges, for the Prometheus scrape. */
  readonly edges = new Map<string, EdgeSeries>();
  private deltas = new Map<string, { edge: EdgeSeries; minute: number; delta: EdgeDelta }>();
  readonly boundsNanos: readonly number[];
  unpairedClientSpans = 0;
  unpairedServerSpans = 0;
  droppedSpans = 0;

  constructor(private readonly config: ServiceGraphConfig) {
    this.boundsNanos = config.latency_histogram_buckets.map(Number);
  }

  get pendingSize(): number {
    return this.pending.size;
  }

  record(span: Span, weight: number, nowMillis: number): void {
    const isClient = span.kind === SpanKind.CLIENT || span.kind === SpanKind.PRODUCER;
    const isServer = span.kind === SpanKind.SERVER || span.kind === SpanKind.CONSUMER;
    if (!isClient && !isServer) return;
    const tenant = span.resource.tenant;
    let key: string;
    if (isClient) key = `${tenant}${SEP}${span.traceId}${SEP}${span.spanId}`;
    else if (span.parentSpanId !== '') key = `${tenant}${SEP}${span.traceId}${SEP}${span.parentSpanId}`;
    else if (span.kind === SpanKind.CONSUMER && span.links[0]) key = `${tenant}${SEP}${span.links[0].traceId}${SEP}${span.links[0].spanId}`;
    else key = `${tenant}${SEP}${span.traceId}${SEP}root:${span.spanId}`;
    let edge = this.pending.get(key);
    if (!edge) {
      if (this.pending.size >= this.config.store.max_items) {
        this.expire(nowMillis);
        if (this.pending.size >= this.config.store.max_items) {
          this.droppedSpans += weight;
          return;
        }
      }
      edge = {
        tenant,
        expiresAtMillis: nowMillis + this.config.store.ttl,
        minute: Number(span.startTimeUnixNano / 60_000_000_000n),
        weight,
        client: undefined,
        server: undefined,
        clientNanos: 0,
        serverNanos: 0,
        failed: false,
        messaging: false,
        peer: undefined,
        serverIsRoot: false,
      };
      this.pending.set(key, edge);
    }
    const durationNanos = Math.max(0, Number(span.endTimeUnixNano - span.startTimeUnixNano));
    if (span.status.code === StatusCode.ERROR) edge.failed = true;
    if (span.kind === SpanKind.PRODUCER || span.kind === SpanKind.CONSUMER) edge.messaging = true;
    if (isClient) {
      edge.client = serviceNameOf(span.resource);
      edge.clientNanos = durationNanos;
      edge.weight = weight;
      edge.peer = this.peerOf(span);
    } else {
      edge.server = serviceNameOf(span.resource);
      edge.serverNanos = durationNanos;
      edge.serverIsRoot = span.parentSpanId === '' && !(span.kind === SpanKind.CONSUMER && span.links.length > 0);
    }
    if (edge.client !== undefined && edge.server !== undefined) {
      this.pending.delete(key);
      this.count(edge, edge.client, edge.server, edge.messaging ? 'messaging_system' : '');
    }
  }

  /** Expires halves that waited past the ttl (all of them with `everything`, at shutdown). */
  expire(nowMillis: number, everything = false): void {
    // Insertion order is arrival order, and every entry waits the same ttl: stop at the first young one.
    for (const [key, edge] of this.pending) {
      if (!everything && edge.expiresAtMillis > nowMillis) break;
      this.pending.delete(key);
      if (edge.client !== undefined) {
        if (edge.peer) this.count(edge, edge.client, edge.peer.name, edge.peer.connectionType);
        else this.unpairedClientSpans += edge.weight;
      } else if (edge.server !== undefined) {
        if (edge.serverIsRoot) this.count(edge, 'user', edge.server, 'virtual_node');
        else this.unpairedServerSpans += edge.weight;
      }
    }
  }

  /** Edge deltas since the last call, per minute, as storage rows. */
  takeFlush(): ServiceGraphEdgeRow[] {
    const deltas = this.deltas;
    this.deltas = new Map();
    return [...deltas.values()].map(({ edge, minute, delta }) => {
      const indexes = [...delta.histogram.keys()];
      return {
        tenant: edge.tenant,
        minute,
        client: edge.client,
        server: edge.server,
        connectionType: edge.connectionType,
        calls: delta.calls,
        failed: delta.failed,
        histogramIndexes: indexes,
        histogramCounts: indexes.map((index) => delta.histogram.get(index)!),
      };
    });
  }

  private count(pending: PendingEdge, client: string, server: string, connectionType: string): void {
    const key = `${pending.tenant}${SEP}${client}${SEP}${server}`;
    let edge = this.edges.get(key);
    if (!edge) {
      edge = {
        tenant: pending.tenant,
        client,
        server,
        connectionType,
        calls: 0,
        failed: 0,
        serverBuckets: new Float64Array(this.boundsNanos.length + 1),
        clientBuckets: new Float64Array(this.boundsNanos.length + 1),
        serverSumNanos: 0,
        clientSumNanos: 0,
      };
      this.edges.set(key, edge);
    }
    const weight = pending.weight;
    const failed = pending.failed ? weight : 0;
    edge.calls += weight;
    edge.failed += failed;
    // A virtual server has no latency of its own: the client's stands in, as the Collector does.
    const serverNanos = pending.server !== undefined ? pending.serverNanos : pending.clientNanos;
    const clientNanos = pending.client !== undefined ? pending.clientNanos : pending.serverNanos;
    edge.serverBuckets[bucketOf(this.boundsNanos, serverNanos)]! += weight;
    edge.clientBuckets[bucketOf(this.boundsNanos, clientNanos)]! += weight;
    edge.serverSumNanos += serverNanos * weight;
    edge.clientSumNanos += clientNanos * weight;
    const deltaKey = `${key}${SEP}${pending.minute}`;
    let entry = this.deltas.get(deltaKey);
    if (!entry) {
      entry = { edge, minute: pending.minute, delta: { calls: 0, failed: 0, histogram: new Map() } };
      this.deltas.set(deltaKey, entry);
    }
    entry.delta.calls += weight;
    entry.delta.failed += failed;
    const index = histogramIndexOf(serverNanos);
    entry.delta.histogram.set(index, (entry.delta.histogram.get(index) ?? 0) + weight);
  }

  private peerOf(span: Span): PendingEdge['peer'] {
    for (const key of this.config.virtual_node_peer_attributes) {
      const name = attributeText(span.attributes, key);
      if (name === undefined || name === '') continue;
      const connectionType = key.startsWith('db.') ? 'database' : key.startsWith('messaging.') ? 'messaging_system' : 'virtual_node';
      return { name, connectionType };
    }
    return undefined;
  }
}
