import { formatZoom, parseZoom, type ZoomWindow } from './trace-zoom';

/**
 * The trace page's URL state:
 * `/trace/<id>?span=<spanId>&view=table&raw=1&zoom=0.1,0.35&q=db.system=redis&match=filter&logs=span`.
 * Defaults stay out of the URL, so a link reopens exactly the same view.
 */
export const TRACE_VIEWS = ['timeline', 'table', 'stats', 'flame', 'logs'] as const;
export type TraceViewName = (typeof TRACE_VIEWS)[number];

/** In-trace search: mark the matches among all rows, or show only them (with their ancestors). */
export type MatchMode = 'highlight' | 'filter';

export interface TraceState {
  span: string | undefined;
  view: TraceViewName;
  /** Show times as recorded instead of clock-skew corrected. */
  raw: boolean;
  /** The timeline's zoom window (fractions of the trace); undefined: the whole trace. */
  zoom?: ZoomWindow | undefined;
  /** In-trace search text (see span-search.ts); '' or undefined: none. */
  q?: string | undefined;
  match?: MatchMode | undefined;
  /** The Logs tab's scope: the selected span only, or it and its subtree; undefined: the whole trace. */
  logs?: LogScope | undefined;
}

export type LogScope = 'span' | 'subtree';

export function traceStateFromParams(params: URLSearchParams): TraceState {
  const view = params.get('view');
  const q = params.get('q') ?? '';
  const zoom = parseZoom(params.get('zoom'));
  // Optional fields only when set, so the common state stays the plain three-field object.
  return {
    span: params.get('span') ?? undefined,
    view: (TRACE_VIEWS as readonly string[]).includes(view ?? '') ? (view as TraceViewName) : 'timeline',
    raw: params.get('raw') === '1' || params.get('raw') === 'true',
    ...(zoom && { zoom }),
    ...(q !== '' && { q }),
    ...(params.get('match') === 'filter' && { match: 'filter' as const }),
    ...((params.get('logs') === 'span' || params.get('logs') === 'subtree') && { logs: params.get('logs') as LogScope }),
  };
}

export function traceHref(traceId: string, state: TraceState): string {
  const params = new URLSearchParams();
  if (state.span !== undefined) params.set('span', state.span);
  if (state.view !== 'timeline') params.set('view', state.view);
  if (state.raw) params.set('raw', '1');
  if (state.zoom) params.set('zoom', formatZoom(state.zoom));
  if (state.q) params.set('q', state.q);
  if (state.q && state.match === 'filter') params.set('match', 'filter');
  if (state.logs !== undefined) params.set('logs', state.logs);
  // `,` and `=` are legal in a query string and keep zoom/search links readable.
  const query = params.toString().replace(/%2C/gi, ',').replace(/%3D/gi, '=');
  return `/trace/${traceId}${query === '' ? '' : `?${query}`}`;
}
