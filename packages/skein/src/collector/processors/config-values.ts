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
