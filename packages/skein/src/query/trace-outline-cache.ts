import type { TenantTraceReader } from '../storage/trace-store.js';
import { buildTraceOutline, visibleRows, type FoldState, type TraceOutline } from './trace-outline.js';

/**
 * Assembled trace outlines, so scrolling a million-span trace asks storage once: each window
 * request after the first is a walk over typed arrays. Bounded by spans held (an outline of 1M
 * spans holds ~150 MB: its typed arrays and the column strings), least recently used out first;
 * an entry lives `ttlMillis` so a trace still receiving spans is read again soon. Concurrent
 * requests for one trace share one read. Keyed by tenant: one tenant never sees another's outline.
 */
export class TraceOutlineCache {
  private readonly entries = new Map<string, Entry>();
  private heldSpans = 0;

  constructor(
    private readonly maxSpans = 3_000_000,
    private readonly ttlMillis = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  async outline(reader: TenantTraceReader, traceId: string): Promise<TraceOutline> {
    const key = `${reader.tenant}\u0000${traceId}`;
    const cached = this.entries.get(key);
    if (cached && this.now() - cached.loadedAt < this.ttlMillis) {
      this.entries.delete(key);
      this.entries.set(key, cached);
      return cached.outline;
    }
    if (cached) this.remove(key, cached);
    const entry: Entry = {
      loadedAt: this.now(),
      spans: 0,
      views: new Map(),
      outline: reader.readTraceOutline(traceId).then((columns) => buildTraceOutline(traceId, columns)),
    };
    this.entries.set(key, entry);
    try {
      const outline = await entry.outline;
      entry.spans = outline.spanCount;
      this.heldSpans += outline.spanCount;
      this.evict(key);
      return outline;
    } catch (error) {
      if (this.entries.get(key) === entry) this.entries.delete(key);
      throw error;
    }
  }

  /** The visible rows under a fold state, kept per outline for the last few states (scrolling repeats one). */
  visible(reader: TenantTraceReader, outline: TraceOutline, fold: FoldState): Int32Array {
    const entry = this.entries.get(`${reader.tenant}\u0000${outline.traceId}`);
    const stateKey = `${fold.foldDepth}:${[...fold.toggled].sort((a, b) => a - b).join(',')}`;
    const known = entry?.views.get(stateKey);
    if (known) return known;
    const rows = visibleRows(outline, fold);
    if (entry) {
      if (entry.views.size >= MAX_VIEWS_PER_TRACE) entry.views.delete(entry.views.keys().next().value!);
      entry.views.set(stateKey, rows);
    }
    return rows;
  }

  private remove(key: string, entry: Entry): void {
    this.entries.delete(key);
    this.heldSpans -= entry.spans;
  }

  /** Drops the least recently used outlines (never `keep`, just read) until the bound holds. */
  private evict(keep: string): void {
    for (const [key, entry] of this.entries) {
      if (this.heldSpans <= this.maxSpans) return;
      if (key !== keep && entry.spans > 0) this.remove(key, entry);
    }
  }
}

const MAX_VIEWS_PER_TRACE = 4;

interface Entry {
  loadedAt: number;
  /** 0 until read. */
  spans: number;
  outline: Promise<TraceOutline>;
  views: Map<string, Int32Array>;
}
