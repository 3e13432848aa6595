/**
 * The Explore page's state is its URL (like every page): `q` (a TraceQL spanset filter), the window
 * (`lookback`, or `start`/`end` in Unix ns), `by` (the group-by field) and the selection the
 * ranking explains (`selStart`/`selEnd` in Unix ns, `selMin`/`selMax` in ns, `selErrors=1`).
 * Pure functions from the URL to API parameters, and the click-to-add-filter edit of `q`.
 */

export interface ExploreState {
  q: string;
  lookback: string;
  start?: string;
  end?: string;
  by: string;
  selection?: { start?: string; end?: string; minNano?: string; maxNano?: string; errors: boolean };
}

export const DEFAULT_BY = 'service';

export function exploreStateOf(params: URLSearchParams): ExploreState {
  const get = (name: string): string | undefined => params.get(name) || undefined;
  const selection = {
    ...(get('selStart') !== undefined && { start: get('selStart')! }),
    ...(get('selEnd') !== undefined && { end: get('selEnd')! }),
    ...(get('selMin') !== undefined && { minNano: get('selMin')! }),
    ...(get('selMax') !== undefined && { maxNano: get('selMax')! }),
    errors: params.get('selErrors') === '1',
  };
  const hasSelection = Object.keys(selection).length > 1 || selection.errors;
  return {
    q: params.get('q') ?? '',
    lookback: get('lookback') ?? '1h',
    ...(get('start') !== undefined && { start: get('start')! }),
    ...(get('end') !== undefined && { end: get('end')! }),
    by: get('by') ?? DEFAULT_BY,
    ...(hasSelection && { selection }),
  };
}

export function exploreUrl(state: ExploreState): string {
  const params = new URLSearchParams();
  if (state.q.trim() !== '') params.set('q', state.q.trim());
  if (state.start !== undefined && state.end !== undefined) {
    params.set('start', state.start);
    params.set('end', state.end);
  } else params.set('lookback', state.lookback);
  if (state.by !== DEFAULT_BY) params.set('by', state.by);
  const s = state.selection;
  if (s?.start !== undefined) params.set('selStart', s.start);
  if (s?.end !== undefined) params.set('selEnd', s.end);
  if (s?.minNano !== undefined) params.set('selMin', s.minNano);
  if (s?.maxNano !== undefined) params.set('selMax', s.maxNano);
  if (s?.errors === true) params.set('selErrors', '1');
  return `/explore?${params}`;
}

/** The population's parameters: the same for the heatmap, the group-by and the ranking. */
export function populationParams(state: ExploreState): URLSearchParams {
  const params = new URLSearchParams();
  if (state.q.trim() !== '') params.set('q', state.q.trim());
  if (state.start !== undefined && state.end !== undefined) {
    params.set('start', state.start);
    params.set('end', state.end);
  } else params.set('lookback', state.lookback);
  return params;
}

export function groupByParams(state: ExploreState): URLSearchParams {
  const params = populationParams(state);
  params.set('by', state.by);
  return params;
}

/** The ranking's parameters, or undefined without a selection. */
export function rankingParams(state: ExploreState): URLSearchParams | undefined {
  const s = state.selection;
  if (s === undefined) return undefined;
  const params = populationParams(state);
  if (s.start !== undefined) params.set('selectionStart', s.start);
  if (s.end !== undefined) params.set('selectionEnd', s.end);
  if (s.minNano !== undefined) params.set('selectionMinDuration', `${s.minNano}ns`);
  if (s.maxNano !== undefined) params.set('selectionMaxDuration', `${s.maxNano}ns`);
  if (s.errors) params.set('selectionStatus', 'error');
  return params;
}

const KINDS = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];
const STATUSES = ['unset', 'ok', 'error'];

/** TraceQL text of a field name from the analysis API (`span.x`, `resource.x`, `name`, `status`, `kind`, `service`). */
function fieldText(attribute: string): string {
  if (attribute === 'service') return 'resource.service.name';
  if (attribute === 'name' || attribute === 'status' || attribute === 'kind') return attribute;
  if (/^(span|resource)\.[\w.\-/]+$/.test(attribute)) return attribute;
  const scoped = /^(span|resource)\.(.+)$/.exec(attribute);
  return scoped ? `${scoped[1]}.${JSON.stringify(scoped[2])}` : `.${attribute}`;
}

/**
 * The TraceQL condition "attribute has this value", for a value shown by the ranking or the
 * group-by: ranges (`[64, 128)`) become bounds, `(missing)` becomes `= nil`, numbers stay numbers,
 * status and kind numbers their names. Undefined for a value that is no condition (`(other)`).
 */
export function conditionFor(attribute: string, value: string, kind = 'value'): string | undefined {
  const field = fieldText(attribute);
  if (kind === 'other') return undefined;
  if (kind === 'missing' || value === '(missing)') return `${field} = nil`;
  if (attribute === 'status') return `status = ${STATUSES[Number(value)] ?? value}`;
  if (attribute === 'kind') return `kind = ${KINDS[Number(value)] ?? value}`;
  const range = /^(-?)\[([\d.e+-]+), ([\d.e+-]+)\)$/.exec(value);
  if (kind === 'range' && range) {
    const [low, high] = range[1] === '-' ? [`-${range[3]!}`, `-${range[2]!}`] : [range[2]!, range[3]!];
    return range[1] === '-' ? `${field} > ${low} && ${field} <= ${high}` : `${field} >= ${low} && ${field} < ${high}`;
  }
  if (kind === 'range' && value === '0') return `${field} = 0`;
  if (/^-?\d+(\.\d+)?$/.test(value)) return `${field} = ${value}`;
  if (value === 'true' || value === 'false') return `${field} = ${value}`;
  return `${field} = ${JSON.stringify(value)}`;
}

/** `q` with one more condition ANDed inside its braces (or a new filter when `q` is empty). */
export function addCondition(q: string, condition: string): string {
  const text = q.trim();
  const inner = /^\{(.*)\}$/s.exec(text);
  if (text === '' || (inner && inner[1]!.trim() === '')) return `{ ${condition} }`;
  if (inner) return `{ ${inner[1]!.trim()} && ${condition} }`;
  return `${text} && { ${condition} }`;
}
