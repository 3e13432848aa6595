import { StorageError } from '../trace-store.js';

/**
 * ClickHouse error codes (src/Common/ErrorCodes.cpp) that mean "try again later" rather than
 * "this statement or this data is wrong": timeouts, overload, memory and disk pressure, too many
 * parts, read-only or lost replicas, network trouble, cancelled queries. Every other server code is
 * permanent (62 SYNTAX_ERROR, 60 UNKNOWN_TABLE, 47 UNKNOWN_IDENTIFIER, 53 TYPE_MISMATCH, 27
 * CANNOT_PARSE_INPUT_ASSERTION_FAILED, 81 UNKNOWN_DATABASE, 516 AUTHENTICATION_FAILED, …): a
 * retry sends the same statement and gets the same answer, so it is 'rejected', not retried.
 * Every number and name below was checked against ClickHouse's src/Common/ErrorCodes.cpp (stop 10).
 */
const TRANSIENT_CODES = new Set([
  159, // TIMEOUT_EXCEEDED
  160, // TOO_SLOW
  164, // READONLY
  173, // CANNOT_ALLOCATE_MEMORY
  198, // DNS_ERROR
  201, // QUOTA_EXPIRED (renamed QUOTA_EXCEEDED later; the quota interval ends)
  202, // TOO_MANY_SIMULTANEOUS_QUERIES
  203, // NO_FREE_CONNECTION
  209, // SOCKET_TIMEOUT
  210, // NETWORK_ERROR
  225, // NO_ZOOKEEPER
  236, // ABORTED
  241, // MEMORY_LIMIT_EXCEEDED
  242, // TABLE_IS_READ_ONLY
  243, // NOT_ENOUGH_SPACE
  252, // TOO_MANY_PARTS
  279, // ALL_CONNECTION_TRIES_FAILED
  285, // TOO_FEW_LIVE_REPLICAS
  319, // UNKNOWN_STATUS_OF_INSERT
  394, // QUERY_WAS_CANCELLED
  439, // CANNOT_SCHEDULE_TASK
  999, // KEEPER_EXCEPTION
]);

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

/**
 * The server's `Code: N` in an error text: 18.16's `Code: 47, e.displayText() = DB::Exception: …`
 * and a current server's `Code: 47. DB::Exception: …` (when a client did not parse it away).
 */
export function clickhouseErrorCode(message: string): number | undefined {
  const match = /Code: (\d+)[.,]/.exec(message);
  return match === null ? undefined : Number(match[1]);
}

/** What the error object itself says about the server's code, before its text is read. */
interface EngineErrorFields {
  /**
   * `@clickhouse/client`'s ClickHouseError: `parseError` takes `Code: N` and `(TYPE_NAME)` out of
   * a current server's text into `code` (the digits, as a string) and `type`, and leaves only the
   * sentence in `message`. A Node network error also has `code`, a name such as `ECONNREFUSED`.
   */
  code?: unknown;
  type?: unknown;
  /** chDB's ChdbQueryError / ChdbInsertError: the engine's code as a number. */
  clickhouseCode?: unknown;
}

/** The ClickHouse error code of `error`: the client's parsed field first, the `Code: N` text only as a fallback (18.16). */
export function engineErrorCode(error: unknown): number | undefined {
  const fields = (typeof error === 'object' && error !== null ? error : {}) as EngineErrorFields;
  if (typeof fields.clickhouseCode === 'number') return fields.clickhouseCode;
  if (typeof fields.code === 'number') return fields.code;
  if (typeof fields.code === 'string' && /^\d+$/.test(fields.code)) return Number(fields.code);
  return clickhouseErrorCode(error instanceof Error ? error.message : String(error));
}

/** Maps any engine or transport error to a StorageError that keeps the engine's message (and its code, when the client took it out). */
export function toStorageError(engine: string, action: string, error: unknown): StorageError {
  if (error instanceof StorageError) return error;
  let message = (error instanceof Error ? error.message : String(error)).trim();
  const code = engineErrorCode(error);
  const errno = (error as EngineErrorFields | null)?.code;
  let kind: 'unavailable' | 'rejected';
  if (code !== undefined) kind = TRANSIENT_CODES.has(code) ? 'unavailable' : 'rejected';
  else if (typeof errno === 'string' && NETWORK_CODES.has(errno)) kind = 'unavailable';
  // No ClickHouse code at all: the request never got an answer (socket hang-up, timeout, closed).
  else kind = 'unavailable';
  if (code !== undefined && clickhouseErrorCode(message) === undefined) {
    // The client parsed `Code: N … (TYPE)` away: put them back, operators search logs by them.
    const type = (error as EngineErrorFields).type;
    message = `Code: ${code}${typeof type === 'string' ? ` (${type})` : ''}. ${message}`;
  }
  return new StorageError(kind, `${engine} ${action} failed: ${message}`, { cause: error });
}
