import type * as z from 'zod/mini';
import {
  apiErrorSchema,
  attributesResponseSchema,
  attributeValuesResponseSchema,
  dependenciesResponseSchema,
  incomingLinksResponseSchema,
  exemplarsResponseSchema,
  metricsOperationsResponseSchema,
  metricsServicesResponseSchema,
  serviceMapResponseSchema,
  type Exemplar,
  type RedGroup,
  nativeTraceSchema,
  operationsResponseSchema,
  outlineResponseSchema,
  type OutlineResponse,
  otlpTracesEnvelopeSchema,
  searchResponseSchema,
  logsResponseSchema,
  type LogsResponse,
  logCountsResponseSchema,
  type LogCountsResponse,
  servicesResponseSchema,
  type AttributeKey,
  type AttributeValue,
  type DependenciesResponse,
  type ServiceMapResponse,
  type ForeignIncomingLink,
  type NativeTrace,
  type Operation,
  type SearchResponse,
  tempoQueryRangeSchema,
  tempoScopedTagsSchema,
  tempoSearchResponseSchema,
  tempoTagValuesSchema,
  traceqlParseSchema,
  type TempoQueryRange,
  type TempoSearchResponse,
  type TraceQLParse,
} from './schemas';
import {
  compareResponseSchema,
  groupByResponseSchema,
  heatmapResponseSchema,
  latencyChangesResponseSchema,
  rankingResponseSchema,
  type CompareResponse,
  type GroupByResponse,
  type HeatmapResponse,
  type LatencyChange,
  type RankingResponse,
} from './analysis-schemas';

/** A failed API call; `message` is the API's own `error.message` when it sent one. */
export class ApiClientError extends Error {
  override readonly name = 'ApiClientError';
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
  ) {
    super(message);
  }
}

export interface SearchQuery {
  service?: string;
  spanName?: string;
  attrs?: string[];
  minDuration?: string;
  maxDuration?: string;
  errorsOnly?: boolean;
  lookback?: string;
  /** RFC 3339 or Unix nanoseconds; the API refuses `start` together with `lookback`. */
  start?: string;
  end?: string;
  limit?: number;
}

/** Parameters of {@link SkeinApi.outline}; `fold` undefined: the server's default for the trace. */
export interface OutlineQuery {
  offset: number;
  limit: number;
  fold?: number | undefined;
  toggled?: readonly number[] | undefined;
  summary?: number | undefined;
  search?: string | undefined;
  after?: number | undefined;
}

/** The window and service that attribute suggestions are drawn from (RFC 3339 or Unix ns). */
export interface AttributeScope {
  service?: string;
  start?: string;
  end?: string;
}

/** A window for Tempo's API: Unix seconds as decimal strings. */
export interface TempoWindow {
  startSeconds: string;
  endSeconds: string;
}

/** Where the query port serves Tempo's API (query-extensions.ts TEMPO_PREFIX_ON_QUERY_PORT). */
const TEMPO_PREFIX = '/tempo';

/** The native HTTP API, same origin by default (the backend serves the UI on its query port). */
/** Log search (`/api/v1/logs`): every field optional but the window. */
export interface LogSearchQuery {
  service?: string;
  /** A range name (error) or number: that severity and above. */
  severity?: string;
  /** Body text, case-insensitive. */
  q?: string;
  attrs?: string[];
  lookback?: string;
  limit?: number;
}

export class SkeinApi {
  constructor(
    private readonly baseUrl = '',
    private readonly fetchImpl: typeof fetch = (input, init) => fetch(input, init),
  ) {}

  async services(signal?: AbortSignal): Promise<string[]> {
    return (await this.get('/api/v1/services', servicesResponseSchema, signal)).services;
  }

  async operations(service: string, signal?: AbortSignal): Promise<Operation[]> {
    return (await this.get(`/api/v1/services/${encodeURIComponent(service)}/operations`, operationsResponseSchema, signal)).operations;
  }

  async search(query: SearchQuery, signal?: AbortSignal): Promise<SearchResponse> {
    const params = new URLSearchParams();
    if (query.service) params.set('service', query.service);
    if (query.spanName) params.set('spanName', query.spanName);
    for (const attr of query.attrs ?? []) params.append('attr', attr);
    if (query.minDuration) params.set('minDuration', query.minDuration);
    if (query.maxDuration) params.set('maxDuration', query.maxDuration);
    if (query.errorsOnly) params.set('status', 'error');
    if (query.start) {
      params.set('start', query.start);
      if (query.end) params.set('end', query.end);
    } else if (query.lookback) params.set('lookback', query.lookback);
    if (query.limit !== undefined) params.set('limit', String(query.limit));
    return this.get(`/api/v1/search?${params.toString()}`, searchResponseSchema, signal);
  }

  /** Caller → callee service edges with call and error counts over the lookback (default 24h). */
  /**
   * Spans of other traces that link to spans of this one, starting within `marginNano` of the
   * trace (a queue consumer of a producer here). A backend without the endpoint: none.
   */
  async incomingLinks(traceId: string, startNano: bigint, endNano: bigint, signal?: AbortSignal): Promise<ForeignIncomingLink[]> {
    const query = `?start=${startNano}&end=${endNano}`;
    try {
      return (await this.get(`/api/v1/traces/${encodeURIComponent(traceId)}/incoming-links${query}`, incomingLinksResponseSchema, signal))
        .links;
    } catch (error) {
      if (error instanceof ApiClientError && error.status === 404) return [];
      throw error;
    }
  }

  /**
   * A window of a trace's rows under a fold state (docs/api.md, `/outline`): the windowed view of
   * big traces asks for the rows it shows instead of downloading every span.
   */
  async outline(traceId: string, query: OutlineQuery, signal?: AbortSignal): Promise<OutlineResponse> {
    const params = new URLSearchParams({ offset: String(query.offset), limit: String(query.limit) });
    if (query.fold !== undefined) params.set('fold', String(query.fold));
    if (query.toggled && query.toggled.length > 0) params.set('toggled', query.toggled.join(','));
    if (query.summary) params.set('summary', String(query.summary));
    if (query.search) {
      params.set('search', query.search);
      if (query.after !== undefined && query.after >= 0) params.set('after', String(query.after));
    }
    const path = `/api/v1/traces/${encodeURIComponent(traceId)}/outline?${params.toString().replace(/%2C/gi, ',')}`;
    return this.get(path, outlineResponseSchema, signal);
  }

  /** The logs of a trace, oldest first. A backend without the logs API: none. */
  async traceLogs(traceId: string, signal?: AbortSignal): Promise<LogsResponse> {
    try {
      return await this.get(`/api/v1/traces/${encodeURIComponent(traceId)}/logs`, logsResponseSchema, signal);
    } catch (error) {
      if (error instanceof ApiClientError && error.status === 404) return { logs: [], resources: [], scopes: [] };
      throw error;
    }
  }

  /** Records per span of a trace, all of them; undefined from a backend without the route (the caller counts what it read). */
  async traceLogCounts(traceId: string, signal?: AbortSignal): Promise<LogCountsResponse | undefined> {
    try {
      return await this.get(`/api/v1/traces/${encodeURIComponent(traceId)}/logs/counts`, logCountsResponseSchema, signal);
    } catch (error) {
      if (error instanceof ApiClientError && error.status === 404) return undefined;
      throw error;
    }
  }

  /** Newest first. */
  async searchLogs(query: LogSearchQuery, signal?: AbortSignal): Promise<LogsResponse> {
    const params = new URLSearchParams();
    if (query.service) params.set('service', query.service);
    if (query.severity) params.set('severity', query.severity);
    if (query.q) params.set('q', query.q);
    for (const attr of query.attrs ?? []) params.append('attr', attr);
    params.set('lookback', query.lookback ?? '1h');
    if (query.limit !== undefined) params.set('limit', String(query.limit));
    return this.get(`/api/v1/logs?${params.toString()}`, logsResponseSchema, signal);
  }

  /** RED per service from the metrics tap's per-minute tables, with the previous window. */
  async serviceMetrics(lookback: string, signal?: AbortSignal): Promise<RedGroup[]> {
    const query = new URLSearchParams({ lookback });
    return (await this.get(`/api/v1/metrics/services?${query}`, metricsServicesResponseSchema, signal)).services;
  }

  async operationMetrics(service: string, lookback: string, signal?: AbortSignal): Promise<RedGroup[]> {
    const query = new URLSearchParams({ lookback });
    const path = `/api/v1/metrics/services/${encodeURIComponent(service)}/operations?${query}`;
    return (await this.get(path, metricsOperationsResponseSchema, signal)).operations;
  }

  /** Exemplars whose traces are stored (the API confirms them). */
  async exemplars(service: string, lookback: string, signal?: AbortSignal): Promise<Exemplar[]> {
    const query = new URLSearchParams({ service, lookback });
    return (await this.get(`/api/v1/metrics/exemplars?${query}`, exemplarsResponseSchema, signal)).exemplars;
  }

  /** The metrics tap's service map: nodes (virtual peers marked) and edges with RED figures. */
  async serviceMap(lookback: string, signal?: AbortSignal): Promise<ServiceMapResponse> {
    const query = new URLSearchParams({ lookback });
    return this.get(`/api/v1/metrics/service-map?${query}`, serviceMapResponseSchema, signal);
  }

  async dependencies(lookback: string | undefined, signal?: AbortSignal): Promise<DependenciesResponse> {
    const query = lookback ? `?lookback=${encodeURIComponent(lookback)}` : '';
    return this.get(`/api/v1/dependencies${query}`, dependenciesResponseSchema, signal);
  }

  /**
   * Attribute keys for autocompletion, most frequent first. A backend that predates the endpoint
   * answers 404: that means "no suggestions", not an error worth showing.
   */
  async attributeKeys(scope: AttributeScope, signal?: AbortSignal): Promise<AttributeKey[]> {
    return this.orNothingWhenMissing(
      async () => (await this.get(`/api/v1/attributes?${scopeParams(scope)}`, attributesResponseSchema, signal)).attributes,
    );
  }

  /** The values of one attribute key, most frequent first; [] from a backend without the endpoint. */
  async attributeValues(key: string, scope: AttributeScope & { limit?: number }, signal?: AbortSignal): Promise<AttributeValue[]> {
    const params = scopeParams(scope);
    if (scope.limit !== undefined) params.set('limit', String(scope.limit));
    const path = `/api/v1/attributes/${encodeURIComponent(key)}/values?${params}`;
    return this.orNothingWhenMissing(async () => (await this.get(path, attributeValuesResponseSchema, signal)).values);
  }

  async trace(traceId: string, signal?: AbortSignal): Promise<NativeTrace> {
    return this.get(`/api/v1/traces/${encodeURIComponent(traceId)}`, nativeTraceSchema, signal);
  }

  /** The trace as OTLP JSON, byte for byte as the API sent it (for saving to a file). */
  async traceOtlpJson(traceId: string, signal?: AbortSignal): Promise<string> {
    return (await this.fetchChecked(`/api/v1/traces/${encodeURIComponent(traceId)}?format=otlp`, otlpTracesEnvelopeSchema, signal)).text;
  }

  /** Where the parser stopped, and whether the query is a search or a metrics query. */
  async traceqlParse(q: string, signal?: AbortSignal): Promise<TraceQLParse> {
    return this.get(`/api/v1/traceql/parse?${new URLSearchParams({ q })}`, traceqlParseSchema, signal);
  }

  /** TraceQL search through Tempo's `/api/search` (window in Unix seconds): traces with their matched spans. */
  async traceqlSearch(q: string, window: TempoWindow & { limit: number }, signal?: AbortSignal): Promise<TempoSearchResponse> {
    const params = new URLSearchParams({ q, start: window.startSeconds, end: window.endSeconds, limit: String(window.limit), spss: '10' });
    return this.tempo(`/api/search?${params}`, tempoSearchResponseSchema, signal);
  }

  /** TraceQL metrics through Tempo's `/api/metrics/query_range`. */
  async traceqlMetrics(q: string, window: TempoWindow & { step?: string }, signal?: AbortSignal): Promise<TempoQueryRange> {
    const params = new URLSearchParams({ q, start: window.startSeconds, end: window.endSeconds, exemplars: '20' });
    if (window.step) params.set('step', window.step);
    return this.tempo(`/api/metrics/query_range?${params}`, tempoQueryRangeSchema, signal);
  }

  /** Tag names by scope, as Grafana's TraceQL editor asks for them (`/api/v2/search/tags`). */
  async tempoTags(scope: string, window: TempoWindow, signal?: AbortSignal): Promise<Array<{ name: string; tags: string[] }>> {
    const params = new URLSearchParams({ scope, start: window.startSeconds, end: window.endSeconds });
    return (await this.tempo(`/api/v2/search/tags?${params}`, tempoScopedTagsSchema, signal)).scopes;
  }

  /** Typed values of a tag, narrowed by the query typed so far (`q`), as Grafana asks for them. */
  async tempoTagValues(tag: string, q: string, window: TempoWindow, signal?: AbortSignal): Promise<Array<{ type: string; value: string }>> {
    const params = new URLSearchParams({ q, start: window.startSeconds, end: window.endSeconds, limit: '50' });
    const path = `/api/v2/search/tag/${encodeURIComponent(tag)}/values?${params}`;
    return (await this.tempo(path, tempoTagValuesSchema, signal)).tagValues.map((v) => ({ type: v.type, value: v.value ?? '' }));
  }

  /** Tempo's API on the query port: its errors are plain text (Go's http.Error), shown as they are. */
  private async tempo<S extends z.ZodMiniType>(path: string, schema: S, signal?: AbortSignal): Promise<z.infer<S>> {
    let response: Response;
    try {
      response = await this.fetchImpl(`${this.baseUrl}${TEMPO_PREFIX}${path}`, {
        headers: { Accept: 'application/json' },
        ...(signal && { signal }),
      });
    } catch (error) {
      if (error instanceof DOMException && error.name === 'AbortError') throw error;
      throw new ApiClientError(`cannot reach Skein: ${error instanceof Error ? error.message : String(error)}`, 0, 'network');
    }
    const text = await response.text();
    if (!response.ok) throw new ApiClientError(text.trim() || `Skein answered ${response.status}`, response.status, 'tempo');
    const parsed = schema.safeParse(JSON.parse(text));
    if (!parsed.success)
      throw new ApiClientError(`unexpected response from ${path.split('?')[0] ?? path}`, response.status, 'bad_response');
    return parsed.data;
  }

  /** The analysis API (docs/api.md, "Analysis"): the parameters are the page's URL parameters, checked by the server. */
  async heatmap(params: URLSearchParams, signal?: AbortSignal): Promise<HeatmapResponse> {
    return this.get(`/api/v1/analysis/heatmap?${params}`, heatmapResponseSchema, signal);
  }

  async groupBy(params: URLSearchParams, signal?: AbortSignal): Promise<GroupByResponse> {
    return this.get(`/api/v1/analysis/group-by?${params}`, groupByResponseSchema, signal);
  }

  async ranking(params: URLSearchParams, signal?: AbortSignal): Promise<RankingResponse> {
    return this.get(`/api/v1/analysis/ranking?${params}`, rankingResponseSchema, signal);
  }

  /** Sustained p99 (or p95) steps per operation in the window, found on the metrics tap's histograms. */
  async latencyChanges(lookback: string, service: string | undefined, signal?: AbortSignal): Promise<LatencyChange[]> {
    const params = new URLSearchParams({ lookback });
    if (service !== undefined) params.set('service', service);
    return (await this.get(`/api/v1/analysis/latency-changes?${params}`, latencyChangesResponseSchema, signal)).changes;
  }

  async compareTraces(a: string, b: string, signal?: AbortSignal): Promise<CompareResponse> {
    return this.get(`/api/v1/analysis/compare-traces?${new URLSearchParams({ a, b })}`, compareResponseSchema, signal);
  }

  async compareGroups(params: URLSearchParams, signal?: AbortSignal): Promise<CompareResponse> {
    return this.get(`/api/v1/analysis/compare-groups?${params}`, compareResponseSchema, signal);
  }

  private async orNothingWhenMissing<T>(load: () => Promise<T[]>): Promise<T[]> {
    try {
      return await load();
    } catch (error) {
      if (error instanceof ApiClientError && error.status === 404) return [];
      throw error;
    }
  }

  private async get<S extends z.ZodMiniType>(path: string, schema: S, signal?: AbortSignal): Promise<z.infer<S>> {
    return (await this.fetchChecked(path, schema, signal)).data;
  }

  private async fetchChecked<S extends z.ZodMiniType>(
    path: string,
    schema: S,
    signal?: AbortSignal,
  ): Promise<{ data: z.infer<S>; text: string }> {
    let response: Response;
    try {
      response = await this.fetchImpl(`${this.baseUrl}${path}`, { headers: { Accept: 'application/json' }, ...(signal && { signal }) });
    } catch (error) {
      if (error instanceof DOMException && error.name === 'AbortError') throw error;
      throw new ApiClientError(`cannot reach Skein: ${error instanceof Error ? error.message : String(error)}`, 0, 'network');
    }
    const text = await response.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new ApiClientError(
        `Skein answered ${response.status} with a body that is not JSON: ${text.slice(0, 200)}`,
        response.status,
        'bad_response',
      );
    }
    if (!response.ok) {
      const parsed = apiErrorSchema.safeParse(body);
      if (parsed.success) throw new ApiClientError(parsed.data.error.message, response.status, parsed.data.error.code);
      throw new ApiClientError(`Skein answered ${response.status} ${response.statusText}`, response.status, 'bad_response');
    }
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue ? issue.path.join('.') : '';
      throw new ApiClientError(
        `unexpected response from ${path.split('?')[0] ?? path}: ${where ? `${where}: ` : ''}${issue?.message ?? 'invalid'}`,
        response.status,
        'bad_response',
      );
    }
    return { data: parsed.data, text };
  }
}

function scopeParams(scope: AttributeScope): URLSearchParams {
  const params = new URLSearchParams();
  if (scope.service) params.set('service', scope.service);
  if (scope.start) params.set('start', scope.start);
  if (scope.end) params.set('end', scope.end);
  return params;
}

export const api = new SkeinApi();
