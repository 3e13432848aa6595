import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { api } from '../api/client';
import type { OutlineResponse, OutlineRow } from '../api/schemas';
import { formatDuration } from '../model/format';
import { serviceColor } from '../model/service-colors';
import { outlineScroll, type OutlineScroll } from '../model/outline-scroll';

/** Row height and the sticky ruler's height, as the full waterfall's (styles.css). */
const ROW_HEIGHT = 28;
const HEADER_HEIGHT = 30;
/** Rows per request: a block is fetched once per fold state, as the viewport reaches it. */
const BLOCK_ROWS = 200;
const SUMMARY_BUCKETS = 300;
const NO_FOLD = 1_000_000;
const INDENT_PX = 14;
const MAX_INDENT_LEVELS = 16;

interface Fold {
  depth: number;
  toggled: readonly number[];
}

const foldKey = (fold: Fold): string => `${fold.depth}:${fold.toggled.join(',')}`;

/**
 * The windowed trace view for big traces (issue 19 item 5): the server assembled the tree once
 * (`GET /api/v1/traces/{id}/outline`) and the page asks only for the rows it shows, in blocks, plus
 * a minimap summary per fold state, so a 1M-span trace opens as fast as its first window. Fold
 * state is the server's default depth plus the rows flipped by hand; search runs on the server,
 * and Enter jumps to the next match (the first, after typing), unfolding its ancestors.
 * No critical path, clock-skew adjustment, flame graph or span attributes here: those need every
 * span in the browser (the full view, `?outline=0`).
 */
export function OutlineView({ initial }: { initial: OutlineResponse }): ReactNode {
  const traceId = initial.traceId;
  const [fold, setFold] = useState<Fold>({ depth: initial.fold, toggled: initial.toggled });
  const [head, setHead] = useState<OutlineResponse>(initial);
  const rows = useRef(new Map<number, OutlineRow>());
  const asked = useRef(new Set<number>());
  const rowsFold = useRef(foldKey(fold));
  const [, setLoadedRows] = useState(0);
  const [error, setError] = useState<string | undefined>(undefined);
  const [selected, setSelected] = useState<OutlineRow | undefined>(undefined);
  const [match, setMatch] = useState<{ text: string; position: number; count: number } | undefined>(undefined);
  const viewportRef = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [viewportHeight, setViewportHeight] = useState(600);

  const store = useCallback((answer: OutlineResponse, key: string): void => {
    if (rowsFold.current !== key) return;
    answer.rows.forEach((row, i) => rows.current.set(answer.offset + i, row));
    setLoadedRows((n) => n + answer.rows.length);
  }, []);
  if (rowsFold.current === foldKey({ depth: initial.fold, toggled: initial.toggled }) && rows.current.size === 0) {
    initial.rows.forEach((row, i) => rows.current.set(initial.offset + i, row));
    asked.current.add(Math.floor(initial.offset / BLOCK_ROWS));
  }

  useLayoutEffect(() => {
    const viewport = viewportRef.current;
    if (!viewport) return;
    const measure = (): void => setViewportHeight(viewport.clientHeight - HEADER_HEIGHT);
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(viewport);
    return () => observer.disconnect();
  }, []);

  const scroll: OutlineScroll = outlineScroll(head.rowCount, ROW_HEIGHT, scrollTop, viewportHeight);

  // Fetch the blocks the viewport shows (and the next one) for the current fold state.
  useEffect(() => {
    const key = foldKey(fold);
    const firstBlock = Math.floor(scroll.first / BLOCK_ROWS);
    const lastBlock = Math.floor(Math.min(head.rowCount, scroll.last + BLOCK_ROWS / 2) / BLOCK_ROWS);
    for (let block = firstBlock; block <= lastBlock; block++) {
      if (asked.current.has(block) || block * BLOCK_ROWS >= head.rowCount) continue;
      asked.current.add(block);
      api
        .outline(traceId, { offset: block * BLOCK_ROWS, limit: BLOCK_ROWS, fold: fold.depth, toggled: fold.toggled })
        .then((answer) => store(answer, key))
        .catch((failure: unknown) => {
          asked.current.delete(block);
          setError(failure instanceof Error ? failure.message : String(failure));
        });
    }
  }, [fold, scroll.first, scroll.last, head.rowCount, traceId, store]);

  /** A new fold state: rows and summary are asked again (the first window with the summary). */
  const refold = useCallback(
    (next: Fold, answer?: OutlineResponse) => {
      const key = foldKey(next);
      rowsFold.current = key;
      rows.current = new Map();
      asked.current = new Set();
      setFold(next);
      if (answer) {
        store(answer, key);
        return;
      }
      asked.current.add(0);
      api
        .outline(traceId, { offset: 0, limit: BLOCK_ROWS, fold: next.depth, toggled: next.toggled, summary: SUMMARY_BUCKETS })
        .then((first) => {
          if (rowsFold.current !== key) return;
          setHead(first);
          store(first, key);
        })
        .catch((failure: unknown) => setError(failure instanceof Error ? failure.message : String(failure)));
    },
    [store, traceId],
  );

  const toggle = (row: OutlineRow): void => {
    const toggled = fold.toggled.includes(row.position)
      ? fold.toggled.filter((p) => p !== row.position)
      : [...fold.toggled, row.position].sort((a, b) => a - b);
    refold({ depth: fold.depth, toggled });
  };

  const reveal = (rowIndex: number): void => {
    const viewport = viewportRef.current;
    if (!viewport) return;
    const target = scroll.scrollTopFor(rowIndex);
    viewport.scrollTop = target;
    setScrollTop(target);
  };

  const find = async (text: string): Promise<void> => {
    if (text.trim() === '') return;
    const after = match && match.text === text ? match.position : -1;
    try {
      const answer = await api.outline(traceId, {
        offset: 0,
        limit: BLOCK_ROWS,
        fold: fold.depth,
        toggled: fold.toggled,
        summary: SUMMARY_BUCKETS,
        search: text,
        after,
      });
      const found = answer.search;
      if (!found || found.position === undefined || found.row === undefined) {
        setMatch({ text, position: -1, count: 0 });
        return;
      }
      setMatch({ text, position: found.position, count: found.count });
      setHead(answer);
      refold({ depth: answer.fold, toggled: answer.toggled }, answer);
      setSelected(answer.rows.find((row) => row.position === found.position));
      // After the rows of the new state render (the spacer's height may change).
      requestAnimationFrame(() => reveal(found.row!));
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
    }
  };

  const expandedAll = fold.depth >= NO_FOLD && fold.toggled.length === 0;
  const visible: ReactNode[] = [];
  for (let index = scroll.first; index < scroll.last; index++) {
    const row = rows.current.get(index);
    visible.push(
      row ? (
        <OutlineRowView
          key={index}
          row={row}
          durationNano={head.durationNano}
          selected={selected?.position === row.position}
          match={match?.position === row.position}
          onSelect={setSelected}
          onToggle={toggle}
        />
      ) : (
        <div key={index} className="wf-row loading-row" aria-hidden="true" />
      ),
    );
  }
  return (
    <div className="timeline outline-view">
      <div className="outline-summary">
        <span className="service-dot" style={{ background: serviceColor(initial.root.service) }} aria-hidden="true" />
        <strong>{initial.root.service}</strong> {initial.root.name} · {initial.spanCount.toLocaleString('en-US')} spans ·{' '}
        {formatDuration(initial.durationNano)} · {initial.services.length} services · depth {initial.depth}
        {initial.errorCount > 0 && <span className="error-text"> · {initial.errorCount.toLocaleString('en-US')} errors</span>}
        <span className="muted">
          {' '}
          · windowed view: rows come from the server as you scroll (<a href={`/trace/${traceId}?outline=0`}>full view</a>)
        </span>
      </div>
      <div className="timeline-toolbar">
        <OutlineSearch match={match} onFind={(text) => void find(text)} />
        <div className="tree-buttons">
          <button type="button" className="secondary" disabled={expandedAll} onClick={() => refold({ depth: NO_FOLD, toggled: [] })}>
            Expand all
          </button>
          <button
            type="button"
            className="secondary"
            onClick={() => refold({ depth: 0, toggled: [] })}
            title="Fold every span with children"
          >
            Collapse all
          </button>
        </div>
      </div>
      {error && <div className="notice warn">{error}</div>}
      <div className="outline-body">
        <div className="waterfall" role="tree" aria-label="Spans">
          <div className="wf-viewport" ref={viewportRef} onScroll={(event) => setScrollTop(event.currentTarget.scrollTop)}>
            <div className="wf-header">
              <div className="wf-name-col">
                Service · span <span className="muted wf-row-count">{head.rowCount.toLocaleString('en-US')} rows</span>
              </div>
              <div className="wf-ruler">
                <span className="wf-tick" style={{ left: 0 }}>
                  0
                </span>
                <span className="wf-tick" style={{ right: 0 }}>
                  {formatDuration(head.durationNano)}
                </span>
              </div>
            </div>
            <div className="wf-spacer" style={{ height: scroll.spacerHeight }}>
              <div className="wf-rows" style={{ transform: `translateY(${scroll.rowsTop}px)` }}>
                {visible}
              </div>
            </div>
          </div>
        </div>
        <OutlineMinimap
          summary={head.summary ?? []}
          durationNano={head.durationNano}
          rowCount={head.rowCount}
          first={scroll.first}
          last={scroll.last}
          onJump={reveal}
        />
        {selected && <OutlineDetails row={selected} traceId={traceId} onClose={() => setSelected(undefined)} />}
      </div>
    </div>
  );
}

function OutlineRowView(props: {
  row: OutlineRow;
  durationNano: number;
  selected: boolean;
  match: boolean;
  onSelect(row: OutlineRow): void;
  onToggle(row: OutlineRow): void;
}): ReactNode {
  const { row, durationNano } = props;
  const total = Math.max(1, durationNano);
  const left = (row.startOffsetNano / total) * 100;
  const width = (row.durationNano / total) * 100;
  const color = serviceColor(row.service);
  const end = left + width;
  // As the full waterfall: after the bar, else before it, else (a wide bar) inside it.
  const labelPlace = end <= 84 ? 'after' : left >= 12 ? 'before' : 'inside';
  return (
    <div
      className={`wf-row${props.selected ? ' selected' : ''}${row.error ? ' error' : ''}${props.match ? ' match' : ''}`}
      role="treeitem"
      aria-level={row.depth + 1}
      aria-selected={props.selected}
      {...(row.children > 0 && { 'aria-expanded': row.expanded })}
      data-span-id={row.spanId}
      onClick={() => props.onSelect(row)}
    >
      <div
        className="wf-name"
        style={{ paddingLeft: 6 + Math.min(row.depth, MAX_INDENT_LEVELS) * INDENT_PX }}
        title={`${row.service} · ${row.name}`}
      >
        {row.children > 0 ? (
          <button
            type="button"
            className="wf-toggle"
            tabIndex={-1}
            aria-label={`${row.expanded ? 'Collapse' : 'Expand'} ${row.name}`}
            onClick={(event) => {
              event.stopPropagation();
              props.onToggle(row);
            }}
          >
            {row.expanded ? '▾' : '▸'}
          </button>
        ) : (
          <span className="wf-toggle-space" />
        )}
        <span className="service-dot" style={{ background: color }} aria-hidden="true" />
        <span className="wf-service">{row.service}</span>
        <span className="wf-span-name">{row.name}</span>
        {row.error && (
          <span className="error-mark" title="status ERROR" aria-label="error">
            !
          </span>
        )}
        {row.orphan && (
          <span className="badge warn" title={`Its parent span ${row.parentSpanId} is not stored`}>
            orphan
          </span>
        )}
        {!row.expanded && row.descendants > 0 && (
          <span className="badge" title={`${row.descendants} spans folded under it`}>
            {row.descendants.toLocaleString('en-US')}
          </span>
        )}
      </div>
      <div className="wf-timeline">
        <div className="wf-bar" style={{ left: `${left}%`, width: `max(2px, ${width}%)`, background: color }} />
        <span
          className={`wf-label ${labelPlace}`}
          style={labelPlace === 'after' ? { left: `${end}%` } : { right: `${100 - (labelPlace === 'before' ? left : end)}%` }}
        >
          {formatDuration(row.durationNano)}
        </span>
      </div>
    </div>
  );
}

/** The search field: Enter asks the server for the next match (the first one after typing). */
function OutlineSearch({ match, onFind }: { match: { text: string; count: number } | undefined; onFind(text: string): void }): ReactNode {
  const [text, setText] = useState('');
  return (
    <div className="timeline-search" role="search">
      <input
        id="trace-search"
        type="search"
        value={text}
        placeholder="Find spans by service, name or span ID  ·  Enter: next match"
        aria-label="Find spans in this trace"
        spellCheck={false}
        autoComplete="off"
        onChange={(event) => setText(event.target.value)}
        onKeyDown={(event) => {
          if (event.key === 'Enter') {
            event.preventDefault();
            onFind(text);
          }
        }}
      />
      {match && match.text === text && (
        <span className="muted search-count" role="status">
          {match.count === 0 ? 'no match' : `${match.count.toLocaleString('en-US')} ${match.count === 1 ? 'match' : 'matches'}`}
        </span>
      )}
    </div>
  );
}

/** A strip beside the rows: each slice of the visible rows as one bar (earliest start to latest end). */
function OutlineMinimap(props: {
  summary: ReadonlyArray<readonly [number, number, number]>;
  durationNano: number;
  rowCount: number;
  first: number;
  last: number;
  onJump(row: number): void;
}): ReactNode {
  const { summary, rowCount } = props;
  const total = Math.max(1, props.durationNano);
  const bars = useMemo(
    () =>
      summary.map(([start, end, errors], i) => (
        <rect
          key={i}
          x={(start / total) * 100}
          y={(i / summary.length) * 1000}
          width={Math.max(0.5, ((end - start) / total) * 100)}
          height={Math.max(1, 1000 / summary.length)}
          className={errors > 0 ? 'outline-minimap-error' : 'outline-minimap-bar'}
        />
      )),
    [summary, total],
  );
  if (rowCount === 0) return null;
  return (
    <svg
      className="outline-minimap"
      viewBox="0 0 100 1000"
      preserveAspectRatio="none"
      role="img"
      aria-label="Minimap of the rows: click to jump"
      onClick={(event) => {
        const box = event.currentTarget.getBoundingClientRect();
        props.onJump(Math.floor(((event.clientY - box.top) / box.height) * rowCount));
      }}
    >
      {bars}
      <rect
        className="outline-minimap-view"
        x={0}
        y={(props.first / rowCount) * 1000}
        width={100}
        height={Math.max(4, ((props.last - props.first) / rowCount) * 1000)}
      />
    </svg>
  );
}

function OutlineDetails({ row, traceId, onClose }: { row: OutlineRow; traceId: string; onClose(): void }): ReactNode {
  return (
    <aside className="span-details outline-details" aria-label="Span details" tabIndex={-1}>
      <div className="details-head">
        <strong>{row.name}</strong>
        <button type="button" className="secondary" onClick={onClose} aria-label="Close details">
          ×
        </button>
      </div>
      <dl>
        <dt>Service</dt>
        <dd>{row.service}</dd>
        <dt>Span ID</dt>
        <dd>
          <code>{row.spanId}</code>
        </dd>
        <dt>Parent</dt>
        <dd>{row.parentSpanId ? <code>{row.parentSpanId}</code> : 'none (root)'}</dd>
        <dt>Start</dt>
        <dd>+{formatDuration(row.startOffsetNano)}</dd>
        <dt>Duration</dt>
        <dd>{formatDuration(row.durationNano)}</dd>
        <dt>Status</dt>
        <dd>{row.error ? 'ERROR' : 'not an error'}</dd>
        <dt>Children / below</dt>
        <dd>
          {row.children.toLocaleString('en-US')} / {row.descendants.toLocaleString('en-US')}
        </dd>
      </dl>
      <p className="muted">
        Attributes, events and links are in the <a href={`/trace/${traceId}?outline=0&span=${row.spanId}`}>full view</a> (every span in the
        browser: slow above ~100k spans).
      </p>
    </aside>
  );
}
