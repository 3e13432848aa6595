/**
 * The search form lives in the URL (`/search?service=…&attr=k=v&…`) so that a search can be
 * shared, bookmarked and reloaded. These functions are the only place that knows the mapping.
 */
export interface SearchForm {
  service: string;
  spanName: string;
  attrs: string[];
  minDuration: string;
  maxDuration: string;
  errorsOnly: boolean;
  lookback: string;
  limit: number;
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
  limit: DEFAULT_LIMIT,
};

export function formFromParams(params: URLSearchParams): SearchForm {
  const limit = Number(params.get('limit'));
  return {
    service: params.get('service') ?? '',
    spanName: params.get('spanName') ?? '',
    attrs: params.getAll('attr').filter((attr) => attr.trim() !== ''),
    minDuration: params.get('minDuration') ?? '',
    maxDuration: params.get('maxDuration') ?? '',
    errorsOnly: params.get('status') === 'error',
    lookback: params.get('lookback') || DEFAULT_LOOKBACK,
    limit: Number.isInteger(limit) && limit > 0 ? limit : DEFAULT_LIMIT,
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
  params.set('lookback', form.lookback || DEFAULT_LOOKBACK);
  params.set('limit', String(form.limit));
  return params;
}

/** A trace ID as the API accepts it: 1–32 hex digits (short Zipkin/Jaeger IDs are padded there). */
export function normaliseTraceId(input: string): string | undefined {
  const id = input.trim().toLowerCase();
  return /^[0-9a-f]{1,32}$/.test(id) && !/^0+$/.test(id) ? id : undefined;
}
