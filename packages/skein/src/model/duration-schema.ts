import { z } from 'zod';
import { ConfigError } from './config-error.js';
import { nanosToMillis, parseGoDurationNanos } from './go-duration.js';

/**
 * The one duration type of every config key, query parameter and CLI flag (issue 10): a Go
 * duration string (model/go-duration.ts). A bare YAML `0` is taken too, as Go takes "0"
 * (`max_elapsed_time: 0` is how Collector configs write "never give up"); any other bare number is
 * refused, since its unit would be a guess. Milliseconds for timers, nanoseconds (bigint) for span
 * arithmetic, from the same parser, so every part answers the same for the same text.
 */

export const DURATION_EXPECTED = 'expected a duration such as 500ms, 5s or 1m';

/**
 * The message for a value that is not a duration; the key is named by whoever reports it (zod's
 * path, a flag name). A bare number gets the reason and the fix: the Collector (Go) reads one as
 * nanoseconds and Skein used to read it as milliseconds, so either reading would surprise someone.
 */
export function notADuration(value: unknown): string {
  const hint =
    typeof value === 'number' ? `: a bare number has no unit, and Go reads it as nanoseconds; write ${value}ms or ${value}s` : '';
  return `${DURATION_EXPECTED} (got ${JSON.stringify(value)}${hint})`;
}

function durationSchema<T>(convert: (nanos: bigint) => T): z.ZodType<T, string | number> {
  return z.union([z.string(), z.number()], { error: (issue) => notADuration(issue.input) }).transform((input, context) => {
    const nanos = input === 0 ? 0n : typeof input === 'string' ? parseGoDurationNanos(input.trim()) : undefined;
    if (nanos === undefined) {
      context.addIssue({ code: 'custom', message: notADuration(input) });
      return z.NEVER;
    }
    return convert(nanos);
  });
}

/** A duration config key, in milliseconds (timers, intervals, timeouts). */
export const durationMillisSchema: z.ZodType<number, string | number> = durationSchema(nanosToMillis);

/** A duration config key, in nanoseconds (compared with span timestamps and durations). */
export const durationNanosSchema: z.ZodType<bigint, string | number> = durationSchema((nanos) => nanos);

/** A duration from a CLI flag, an environment variable or a query parameter named `key`; throws a ConfigError naming both. */
export function durationNanosOf(key: string, text: string): bigint {
  const nanos = parseGoDurationNanos(text.trim());
  if (nanos === undefined) throw new ConfigError(`${key}: ${notADuration(text)}`, key);
  return nanos;
}

/** {@link durationNanosOf} in milliseconds. */
export function durationMillisOf(key: string, text: string): number {
  return nanosToMillis(durationNanosOf(key, text));
}
