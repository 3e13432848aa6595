import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { parseGoDurationNanos } from '../../model/go-duration.js';
import { SpanConditionError } from '../../storage/span-conditions.js';
import { ApiError, fromStorage } from '../api-error.js';
import { isTraceQLError } from '../traceql/errors.js';

/** What every MCP tool shares: the lookback argument, input errors a model can act on, answers as JSON text. */

export const MINUTE_NANO = 60_000_000_000n;
const MAX_LOOKBACK_NANO = 7n * 24n * 60n * MINUTE_NANO;

/** A window back from now, as a Go duration; refused with a message a model can act on. */
export const lookback = (fallback: string, what: string) =>
  z
    .string()
    .default(fallback)
    .describe(`How far back from now to look, as a duration: "15m", "1h", "24h" (at most 168h). Default ${fallback}. ${what}`);

export class ToolInputError extends Error {}

export function lookbackNanos(text: string): bigint {
  const nanos = parseGoDurationNanos(text);
  if (nanos === undefined || nanos <= 0n)
    throw new ToolInputError(`lookback ${JSON.stringify(text)} is not a duration such as 15m, 1h or 24h`);
  if (nanos > MAX_LOOKBACK_NANO) throw new ToolInputError(`lookback ${text} is longer than 168h`);
  return nanos;
}

export function nowNano(): bigint {
  return BigInt(Date.now()) * 1_000_000n;
}

function answer(value: unknown): CallToolResult {
  return { content: [{ type: 'text', text: JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) }] };
}

/** Every failure a model can fix or report becomes a tool error (`isError`), never a protocol error. */
export async function answering(work: () => Promise<unknown>): Promise<CallToolResult> {
  try {
    return answer(await work());
  } catch (thrown) {
    // Storage failures through the query layer's one mapping: an ApiError `storage error: …`.
    const error = fromStorage(thrown);
    const known =
      error instanceof ToolInputError || error instanceof ApiError || error instanceof SpanConditionError || isTraceQLError(error);
    if (!known) throw error;
    return { isError: true, content: [{ type: 'text', text: (error as Error).message }] };
  }
}
