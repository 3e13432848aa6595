import { DEFAULT_SORT, isTraceSortOrder, type TraceSortOrder } from './trace-sort';

/**
 * The search form lives in the URL (`/search?service=…&attr=k=v&…`) so that a search can be
 * shared, bookmarked and reloaded. These functions are the only place that knows the mapping.
 *
 * The time range is either relative (`lookback=1h`, ending now) or absolute (`start=` and
 * optionally `end=`, RFC 3339 as the API takes them); an absolute range wins, because the API
 * refuses `start` and `lookback` together.
 */
export interface SearchForm {
  service: string;
  spanName: string;
  attrs: string[];
  minDuration: string;
  maxDuration: string;
  errorsOnly: boolean;
  lookback: string;
  /** RFC 3339; empty for a relative range. */
  start: string;
  /** RFC 3339; empty means now. Only used with `start`. */
  end: string;
  limit: number;
  /** How the result list is ordered; a view setting, it does not change the query. */
  sort: TraceSortOrder;
  /** A TraceQL query: when set, the page runs it (search or metrics) instead of the form's filters. */
  q: string;
}

export const LOOKBACK_PRESETS = ['15m', '1h', '6h', '24h', '7d'] as const;
export const DEFAULT_LOOKBACK = '1h';
export const DEFAULT_LIMIT = 20;

export const EMPTY_FORM: SearchForm = {
  service: '',
  spanName: '',
  attrs: [],
  minDuration: '',
  maxDuration: '',
  errorsOnly: false,
  lookback: DEFAULT_LOOKBACK,
  start: '',
  end: '',
  limit: DEFAULT_LIMIT,
  sort: DEFAULT_SORT,
  q: '',
};

export function formFromParams(params: URLSearchParams): SearchForm {
  const limit = Number(params.get('limit'));
  const sort = params.get('sort') ?? '';
  const start = params.get('start') ?? '';
  return {
    service: params.get('service') ?? '',
    spanName: params.get('spanName') ?? '',
    attrs: params.getAll('attr').filter((attr) => attr.trim() !== ''),
    minDuration: params.get('minDuration') ?? '',
    maxDuration: params.get('maxDuration') ?? '',
    errorsOnly: params.get('status') === 'error',
    lookback: params.get('lookback') || DEFAULT_LOOKBACK,
    start,
    end: start ? (params.get('end') ?? '') : '',
    limit: Number.isInteger(limit) && limit > 0 ? limit : DEFAULT_LIMIT,
    sort: isTraceSortOrder(sort) ? sort : DEFAULT_SORT,
    q: params.get('q') ?? '',
  };
}

/** Only what differs from an empty field goes into the URL, so links stay short. */
export function paramsFromForm(form: SearchForm): URLSearchParams {
  const params = new URLSearchParams();
  if (form.service) params.set('service', form.service);
  if (form.spanName) params.set('spanName', form.spanName);
  for (const attr of form.attrs) if (attr.trim() !== '') params.append('attr', attr.trim());
  if (form.minDuration.trim()) params.set('minDuration', form.minDuration.trim());
  if (form.maxDuration.trim()) params.set('maxDuration', form.maxDuration.trim());
  if (form.errorsOnly) params.set('status', 'error');
  if (form.start) {
    params.set('start', form.start);
    if (form.end) params.set('end', form.end);
  } else params.set('lookback', form.lookback || DEFAULT_LOOKBACK);
  params.set('limit', String(form.limit));
  if (form.sort !== DEFAULT_SORT) params.set('sort', form.sort);
  if (form.q.trim()) params.set('q', form.q.trim());
  return params;
}

/**
 * The form's filters as one TraceQL spanset filter: the native search matches a trace when one
 * span meets every condition at once, which is exactly `{ a && b && … }`. Attribute filters match
 * the span's or its resource's attribute (unscoped `.key`) by its text, so they are strings here.
 */
export function traceqlFromForm(form: SearchForm): string {
  const conditions: string[] = [];
  if (form.service) conditions.push(`resource.service.name = ${JSON.stringify(form.service)}`);
  if (form.spanName) conditions.push(`name = ${JSON.stringify(form.spanName)}`);
  for (const attr of form.attrs) {
    const eq = attr.indexOf('=');
    if (eq <= 0) continue;
    const key = attr.slice(0, eq).trim();
    const name = /^[\w.\-/]+$/.test(key) ? key : JSON.stringify(key);
    conditions.push(`.${name} = ${JSON.stringify(attr.slice(eq + 1))}`);
  }
  if (form.minDuration.trim()) conditions.push(`duration >= ${form.minDuration.trim()}`);
  if (form.maxDuration.trim()) conditions.push(`duration <= ${form.maxDuration.trim()}`);
  if (form.errorsOnly) conditions.push('status = error');
  return conditions.length === 0 ? '{ }' : `{ ${conditions.join(' && ')} }`;
}

/**
 * The part of the URL that decides what the API is asked: a change of sort order re-orders the
 * list in place instead of searching again.
 */
export function queryKey(form: SearchForm): string {
  return paramsFromForm({ ...form, sort: DEFAULT_SORT }).toString();
}

/** "in the last 1h" / "between 10:00 and 11:00" for messages about the current range. */
export function describeRange(form: SearchForm, formatTime: (rfc3339: string) => string = (t) => t): string {
  if (!form.start) return `in the last ${form.lookback}`;
  return form.end ? `between ${formatTime(form.start)} and ${formatTime(form.end)}` : `since ${formatTime(form.start)}`;
}

const UNIT_MILLIS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1e3, m: 60e3, h: 3600e3, d: 86400e3 };

/** `15m`, `1.5h`, `7d` as milliseconds; undefined when it is not such a duration. */
export function durationMillis(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h|d)$/.exec(text.trim());
  return match ? Number(match[1]) * UNIT_MILLIS[match[2]!]! : undefined;
}

/**
 * The search's window as explicit RFC 3339 times, for the endpoints that take `start`/`end` only
 * (attribute autocompletion). `now` in milliseconds.
 */
export function searchWindow(form: SearchForm, now: number): { start: string; end: string } {
  if (form.start) return { start: form.start, end: form.end || new Date(now).toISOString() };
  const lookback = durationMillis(form.lookback) ?? 3600e3;
  return { start: new Date(now - lookback).toISOString(), end: new Date(now).toISOString() };
}

/**
 * `<input type="datetime-local">` speaks local wall-clock time without a zone ("2026-11-23T11:05");
 * the URL and the API speak RFC 3339. These two convert between them in the browser's zone.
 */
export function rfc3339FromLocalInput(local: string): string {
  if (!local) return '';
  const date = new Date(local);
  return Number.isNaN(date.getTime()) ? '' : date.toISOString().replace('.000Z', 'Z');
}

export function localInputFromRfc3339(rfc3339: string): string {
  if (!rfc3339) return '';
  const date = new Date(rfc3339);
  if (Number.isNaN(date.getTime())) return '';
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** A trace ID as the API accepts it: 1–32 hex digits (short Zipkin/Jaeger IDs are padded there). */
export function normaliseTraceId(input: string): string | undefined {
  const id = input.trim().toLowerCase();
  return /^[0-9a-f]{1,32}$/.test(id) && !/^0+$/.test(id) ? id : undefined;
}
