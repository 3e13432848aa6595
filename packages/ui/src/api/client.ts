import type * as z from 'zod/mini';
import {
  apiErrorSchema,
  nativeTraceSchema,
  operationsResponseSchema,
  searchResponseSchema,
  servicesResponseSchema,
  type NativeTrace,
  type Operation,
  type SearchResponse,
} from './schemas';

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
  limit?: number;
}

/** The native HTTP API, same origin by default (the backend serves the UI on its query port). */
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
    if (query.lookback) params.set('lookback', query.lookback);
    if (query.limit !== undefined) params.set('limit', String(query.limit));
    return this.get(`/api/v1/search?${params.toString()}`, searchResponseSchema, signal);
  }

  async trace(traceId: string, signal?: AbortSignal): Promise<NativeTrace> {
    return this.get(`/api/v1/traces/${encodeURIComponent(traceId)}`, nativeTraceSchema, signal);
  }

  private async get<S extends z.ZodMiniType>(path: string, schema: S, signal?: AbortSignal): Promise<z.infer<S>> {
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
    return parsed.data;
  }
}

export const api = new SkeinApi();
