/** The trace page's URL state: `/trace/<id>?span=<spanId>&view=table&raw=1`. Defaults stay out of the URL. */
export const TRACE_VIEWS = ['timeline', 'table', 'stats', 'flame'] as const;
export type TraceViewName = (typeof TRACE_VIEWS)[number];

export interface TraceState {
  span: string | undefined;
  view: TraceViewName;
  /** Show times as recorded instead of clock-skew corrected. */
  raw: boolean;
}

export function traceStateFromParams(params: URLSearchParams): TraceState {
  const view = params.get('view');
  return {
    span: params.get('span') ?? undefined,
    view: (TRACE_VIEWS as readonly string[]).includes(view ?? '') ? (view as TraceViewName) : 'timeline',
    raw: params.get('raw') === '1' || params.get('raw') === 'true',
  };
}

export function traceHref(traceId: string, state: TraceState): string {
  const params = new URLSearchParams();
  if (state.span !== undefined) params.set('span', state.span);
  if (state.view !== 'timeline') params.set('view', state.view);
  if (state.raw) params.set('raw', '1');
  const query = params.toString();
  return `/trace/${traceId}${query === '' ? '' : `?${query}`}`;
}
