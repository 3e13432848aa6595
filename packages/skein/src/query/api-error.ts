import { StorageError } from '../storage/trace-store.js';

/** Errors the query APIs answer with; `code` is stable for clients, `status` is the HTTP status. */
export type ApiErrorCode = 'bad_parameter' | 'not_found' | 'method_not_allowed' | 'storage_unavailable' | 'trace_too_large' | 'internal';

const STATUS_OF: Record<ApiErrorCode, number> = {
  bad_parameter: 400,
  not_found: 404,
  method_not_allowed: 405,
  storage_unavailable: 503,
  // Not 503: retrying cannot help; the compact format can carry the trace (compact-trace-route.ts).
  trace_too_large: 500,
  internal: 500,
};

export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly status: number;
  constructor(
    readonly code: ApiErrorCode,
    message: string,
  ) {
    super(message);
    this.status = STATUS_OF[code];
  }
}

export function badParameter(parameter: string, problem: string): ApiError {
  return new ApiError('bad_parameter', `query parameter "${parameter}": ${problem}`);
}

/**
 * The one mapping of storage failures for every query route: a StorageError becomes a 503
 * `storage_unavailable` carrying the engine's reason; anything else is returned unchanged (an
 * ApiError keeps its status, a bug becomes the router's 500). Use as `throw fromStorage(error)`.
 */
export function fromStorage(error: unknown): unknown {
  return error instanceof StorageError ? new ApiError('storage_unavailable', `storage error: ${error.message}`) : error;
}

/** `work`, with its storage failures mapped by {@link fromStorage}. */
export async function readingStorage<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    throw fromStorage(error);
  }
}
