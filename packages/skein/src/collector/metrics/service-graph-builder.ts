import { histogramIndexOf } from '../../model/latency-histogram.js';
import { SpanKind, StatusCode, serviceNameOf, type KeyValue, type Span } from '../../model/span.js';
import type { TenantId } from '../../model/tenant.js';
import type { ServiceGraphEdgeRow } from '../../storage/metrics-store.js';
import type { ServiceGraphConfig } from './metrics-tap-config.js';
import { bucketOf } from './span-metrics-aggregator.js';

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

function edgeKey(tenant: TenantId, client: string, server: string): string {
  return `${tenant}${SEP}${client}${SEP}${server}`;
}

interface PendingEdge {
  readonly tenant: TenantId;
  traceId: string;
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

interface DeltaEntry {
  readonly edge: EdgeSeries;
  readonly minute: number;
  readonly delta: EdgeDelta;
}

export class ServiceGraphBuilder {
  private readonly pending = new Map<string, PendingEdge>();
  /** Cumulative edges, for the Prometheus scrape. */
  readonly edges = new Map<string, EdgeSeries>();
  private deltas = new Map<string, DeltaEntry>();
  /**
   * The same edges by tenant, client and server, and each edge's delta entry last counted: the
   * hot path finds both without building the two string keys (a concatenation and a hash of a
   * new string per paired span); the keys are built only for a new edge or a new minute.
   */
  private readonly edgeIndex = new Map<TenantId, Map<string, Map<string, EdgeSeries>>>();
  private recentDeltas = new Map<EdgeSeries, DeltaEntry>();
  readonly boundsNanos: readonly number[];
  unpairedClientSpans = 0;
  unpairedServerSpans = 0;
  droppedSpans = 0;

  constructor(private readonly config: ServiceGraphConfig) {
    this.boundsNanos = config.latency_histogram_buckets.map(Number);
    this.peerRanks = new Map(config.virtual_node_peer_attributes.map((key, rank) => [key, rank]));
  }

  get pendingSize(): number {
    return this.pending.size;
  }

  record(span: Span, weight: number, nowMillis: number): void {
    const isClient = span.kind === SpanKind.CLIENT || span.kind === SpanKind.PRODUCER;
    const isServer = span.kind === SpanKind.SERVER || span.kind === SpanKind.CONSUMER;
    if (!isClient && !isServer) return;
    const tenant = span.resource.tenant;
    // A root server span has no caller that could still arrive: its edge from the virtual `user`
    // node is counted now, without waiting in the store.
    if (isServer && span.parentSpanId === '' && !(span.kind === SpanKind.CONSUMER && span.links[0])) {
      const duration = Math.max(0, Number(span.endTimeUnixNano) - Number(span.startTimeUnixNano));
      const root = this.newPending(span, tenant, weight, nowMillis);
      root.server = serviceNameOf(span.resource);
      root.serverNanos = duration;
      root.failed = span.status.code === StatusCode.ERROR;
      this.count(root, 'user', root.server, 'virtual_node');
      return;
    }
    // Keyed by the span ID alone: an existing string (no concatenation, no allocation), 64 random
    // bits; the trace ID and tenant are compared on a match, and a mismatch (a collision) is
    // counted as unpaired rather than paired wrongly.
    const link = span.kind === SpanKind.CONSUMER && span.parentSpanId === '' ? span.links[0] : undefined;
    const key = isClient ? span.spanId : link ? link.spanId : span.parentSpanId;
    const traceId = link ? link.traceId : span.traceId;
    let edge = this.pending.get(key);
    if (edge && (edge.traceId !== traceId || edge.tenant !== tenant)) {
      this.pending.delete(key);
      this.expired(edge);
      edge = undefined;
    }
    if (!edge) {
      if (this.pending.size >= this.config.store.max_items) {
        this.expire(nowMillis);
        if (this.pending.size >= this.config.store.max_items) {
          this.droppedSpans += weight;
          return;
        }
      }
      edge = this.newPending(span, tenant, weight, nowMillis);
      edge.traceId = traceId;
      this.pending.set(key, edge);
    }
    const durationNanos = Math.max(0, Number(span.endTimeUnixNano) - Number(span.startTimeUnixNano));
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
      this.expired(edge);
    }
  }

  /** A half whose other half never came: a virtual peer's edge, or counted as unpaired. */
  private expired(edge: PendingEdge): void {
    if (edge.client !== undefined) {
      if (edge.peer) this.count(edge, edge.client, edge.peer.name, edge.peer.connectionType);
      else this.unpairedClientSpans += edge.weight;
    } else if (edge.server !== undefined) {
      this.unpairedServerSpans += edge.weight;
    }
  }

  private newPending(span: Span, tenant: TenantId, weight: number, nowMillis: number): PendingEdge {
    return {
      tenant,
      traceId: span.traceId,
      expiresAtMillis: nowMillis + this.config.store.ttl,
      minute: Math.floor(Number(span.startTimeUnixNano) / 60e9),
      weight,
      client: undefined,
      server: undefined,
      clientNanos: 0,
      serverNanos: 0,
      failed: false,
      messaging: false,
      peer: undefined,
    };
  }

  /** Edge deltas since the last call, per minute, as storage rows. */
  takeFlush(): ServiceGraphEdgeRow[] {
    const deltas = this.deltas;
    this.deltas = new Map();
    this.recentDeltas = new Map();
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
    let byClient = this.edgeIndex.get(pending.tenant);
    if (!byClient) this.edgeIndex.set(pending.tenant, (byClient = new Map()));
    let byServer = byClient.get(client);
    if (!byServer) byClient.set(client, (byServer = new Map()));
    let edge = byServer.get(server);
    if (!edge) {
      const key = edgeKey(pending.tenant, client, server);
      edge = this.edges.get(key);
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
      byServer.set(server, edge);
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
    let entry = this.recentDeltas.get(edge);
    if (entry?.minute !== pending.minute) {
      const deltaKey = `${edgeKey(edge.tenant, edge.client, edge.server)}${SEP}${pending.minute}`;
      entry = this.deltas.get(deltaKey);
      if (!entry) {
        entry = { edge, minute: pending.minute, delta: { calls: 0, failed: 0, histogram: new Map() } };
        this.deltas.set(deltaKey, entry);
      }
      this.recentDeltas.set(edge, entry);
    }
    entry.delta.calls += weight;
    entry.delta.failed += failed;
    const index = histogramIndexOf(serverNanos);
    entry.delta.histogram.set(index, (entry.delta.histogram.get(index) ?? 0) + weight);
  }

  /** The configured peer attributes by key, with their rank (earlier in the list wins). */
  private readonly peerRanks: ReadonlyMap<string, number>;

  /** One pass over the span's attributes: the best-ranked peer attribute present. */
  private peerOf(span: Span): PendingEdge['peer'] {
    let bestRank = Infinity;
    let best: KeyValue | undefined;
    for (const attribute of span.attributes) {
      const rank = this.peerRanks.get(attribute.key);
      if (rank !== undefined && rank < bestRank && typeof attribute.value === 'string' && attribute.value !== '') {
        bestRank = rank;
        best = attribute;
      }
    }
    if (!best) return undefined;
    const key = best.key;
    const connectionType = key.startsWith('db.') ? 'database' : key.startsWith('messaging.') ? 'messaging_system' : 'virtual_node';
    return { name: best.value as string, connectionType };
  }
}
