import { z } from 'zod';
import type { AnyValue } from '../../model/span.js';

/**
 * Attribute values as they come from YAML: strings, booleans, numbers and lists of those.
 * YAML does not tell `1` from `1.0` once parsed, so integral numbers become OTLP ints (bigint)
 * and others doubles, which is what a user writing `value: 42` means.
 */
export type ConfigScalar = string | number | boolean;
export type ConfigValue = ConfigScalar | ConfigScalar[];

export const configValueSchema: z.ZodType<ConfigValue> = z.union([
  z.string(),
  z.number(),
  z.boolean(),
  z.array(z.union([z.string(), z.number(), z.boolean()])),
]);

export function configValueToAnyValue(value: ConfigValue): AnyValue {
  if (Array.isArray(value)) return value.map((item) => configValueToAnyValue(item));
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  return value;
}

/** A regex in config, checked at start-up so a typo is a config error, not a crash later. */
export const regexSchema = z.string().refine(
  (source) => {
    try {
      new RegExp(source);
      return true;
    } catch {
      return false;
    }
  },
  { message: 'not a valid regular expression' },
);

const DURATION_UNITS: Record<string, bigint> = {
  ns: 1n,
  us: 1_000n,
  µs: 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

/** Go-style durations as the Collector writes them (`250ms`, `1.5s`, `1m30s`), in nanoseconds. */
export function parseDuration(text: string): bigint | undefined {
  const part = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/y;
  let total = 0n;
  let offset = 0;
  while (offset < text.length) {
    part.lastIndex = offset;
    const match = part.exec(text);
    if (!match) return undefined;
    const [whole, amount, unit] = match as unknown as [string, string, string];
    const [int = '0', frac = ''] = amount.split('.');
    const scale = DURATION_UNITS[unit]!;
    total += BigInt(int) * scale + (BigInt((frac + '000000000').slice(0, 9)) * scale) / 1_000_000_000n;
    offset += whole.length;
  }
  return offset === 0 ? undefined : total;
}

export const durationSchema = z.string().transform((text, ctx) => {
  const nanos = parseDuration(text.trim());
  if (nanos === undefined) {
    ctx.addIssue({ code: 'custom', message: `"${text}" is not a duration like 250ms, 1.5s or 1m30s` });
    return z.NEVER;
  }
  return nanos;
});
