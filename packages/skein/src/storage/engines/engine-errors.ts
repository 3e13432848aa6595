import { StorageError } from '../trace-store.js';

/**
 * ClickHouse error codes that mean "try again later" rather than "this statement is wrong":
 * timeouts, overload, memory pressure, too many parts, read-only replica, network trouble.
 */
const TRANSIENT_CODES = new Set([159, 164, 202, 203, 209, 210, 241, 242, 252, 319, 394]);

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
]);

/** The server's `Code: N` (both `Code: 47. DB::Exception` and 18.16's `Code: 47, e.displayText()`). */
export function clickhouseErrorCode(message: string): number | undefined {
  const match = /Code: (\d+)[.,]/.exec(message);
  return match === null ? undefined : Number(match[1]);
}

/** Maps any engine or transport error to a StorageError that keeps the engine's message. */
export function toStorageError(engine: string, action: string, error: unknown, knownCode?: number): StorageError {
  if (error instanceof StorageError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const errno = (error as { code?: unknown } | null)?.code;
  const code = knownCode ?? clickhouseErrorCode(message);
  let kind: 'unavailable' | 'rejected';
  if (code !== undefined) kind = TRANSIENT_CODES.has(code) ? 'unavailable' : 'rejected';
  else if (typeof errno === 'string' && NETWORK_CODES.has(errno)) kind = 'unavailable';
  // No ClickHouse code at all: the request never got an answer (socket hang-up, timeout, closed).
  else kind = 'unavailable';
  return new StorageError(kind, `${engine} ${action} failed: ${message.trim()}`, { cause: error });
}
