import { createHash } from 'node:crypto';
import { z } from 'zod';
import { attributeSearchValue } from '../../model/otlp-json-values.js';
import type { AnyValue, KeyValue } from '../../model/span.js';
import { configValueSchema, configValueToAnyValue, regexSchema } from './config-values.js';

/**
 * The actions of the OpenTelemetry Collector's attributes processor, shared by the `attributes`
 * (span attributes) and `resource` (resource attributes) processors. Same semantics:
 * - insert: set `key` only when absent; update: only when present; upsert: either way.
 *   The value is `value`, or a copy of the `from_attribute` attribute (nothing happens when that
 *   attribute is missing).
 * - delete / hash: the attribute `key`, and/or every attribute whose key matches `pattern`.
 *   hash replaces the value by the SHA-256 hex of its string form.
 * - extract: named groups of `pattern` applied to the string attribute `key` are upserted as
 *   string attributes named after the groups.
 * - convert: `key` to `converted_type` (int, double, string, bool); a value that does not
 *   convert is left as it was.
 */
export const attributeActionSchema = z
  .object({
    action: z.enum(['insert', 'update', 'upsert', 'delete', 'hash', 'extract', 'convert']),
    key: z.string().min(1).optional(),
    pattern: regexSchema.optional(),
    value: configValueSchema.optional(),
    from_attribute: z.string().min(1).optional(),
    converted_type: z.enum(['int', 'double', 'string', 'bool']).optional(),
  })
  .strict()
  .superRefine((action, ctx) => {
    const problem = actionProblem(action);
    if (problem) ctx.addIssue({ code: 'custom', message: `${action.action}: ${problem}` });
  });

export type AttributeAction = z.output<typeof attributeActionSchema>;

function actionProblem(action: AttributeAction): string | undefined {
  const has = (field: keyof AttributeAction) => action[field] !== undefined;
  const onlyFields = (allowed: Array<keyof AttributeAction>) => {
    const extra = (['key', 'pattern', 'value', 'from_attribute', 'converted_type'] as const).filter(
      (field) => has(field) && !allowed.includes(field),
    );
    return extra.length > 0 ? `${extra.join(', ')} not allowed` : undefined;
  };
  switch (action.action) {
    case 'insert':
    case 'update':
    case 'upsert':
      if (!has('key')) return 'key is required';
      if (has('value') === has('from_attribute')) return 'exactly one of value or from_attribute is required';
      return onlyFields(['key', 'value', 'from_attribute']);
    case 'delete':
    case 'hash':
      if (!has('key') && !has('pattern')) return 'key or pattern is required';
      return onlyFields(['key', 'pattern']);
    case 'extract':
      if (!has('key') || !has('pattern')) return 'key and pattern are required';
      if (!/\(\?<[A-Za-z_$][\w$]*>/.test(action.pattern ?? '')) return 'pattern needs at least one named group (?<name>…)';
      return onlyFields(['key', 'pattern']);
    case 'convert':
      if (!has('key') || !has('converted_type')) return 'key and converted_type are required';
      return onlyFields(['key', 'converted_type']);
  }
}

/** Applies to an attribute list in place; returns whether anything changed. */
export type CompiledAction = (attributes: KeyValue[]) => boolean;

/** All actions in order, as one function; returns whether anything changed. */
export function compileActions(actions: readonly AttributeAction[]): CompiledAction {
  const compiled = actions.map(compileAction);
  return (attributes) => {
    let changed = false;
    for (const action of compiled) if (action(attributes)) changed = true;
    return changed;
  };
}

function indexOfKey(attributes: readonly KeyValue[], key: string): number {
  for (let i = 0; i < attributes.length; i++) if (attributes[i]!.key === key) return i;
  return -1;
}

/** Sets `key`; entries are replaced, never mutated, since KeyValue objects may be shared by copies. */
function setValue(attributes: KeyValue[], key: string, value: AnyValue, insert: boolean, update: boolean): boolean {
  const index = indexOfKey(attributes, key);
  if (index < 0) {
    if (!insert) return false;
    attributes.push({ key, value });
    return true;
  }
  if (!update) return false;
  attributes[index] = { key, value };
  return true;
}

function compileAction(action: AttributeAction): CompiledAction {
  const key = action.key ?? '';
  switch (action.action) {
    case 'insert':
    case 'update':
    case 'upsert': {
      const insert = action.action !== 'update';
      const update = action.action !== 'insert';
      const source = action.from_attribute;
      if (source === undefined) {
        const value = configValueToAnyValue(action.value!);
        return (attributes) => setValue(attributes, key, value, insert, update);
      }
      return (attributes) => {
        const index = indexOfKey(attributes, source);
        return index >= 0 && setValue(attributes, key, attributes[index]!.value, insert, update);
      };
    }
    case 'delete': {
      const matches = keyMatcher(action);
      return (attributes) => {
        const before = attributes.length;
        let kept = 0;
        for (const attribute of attributes) if (!matches(attribute.key)) attributes[kept++] = attribute;
        attributes.length = kept;
        return kept !== before;
      };
    }
    case 'hash': {
      const matches = keyMatcher(action);
      return (attributes) => {
        let changed = false;
        for (let i = 0; i < attributes.length; i++) {
          const attribute = attributes[i]!;
          if (!matches(attribute.key)) continue;
          attributes[i] = { key: attribute.key, value: sha256Hex(attributeSearchValue(attribute.value)) };
          changed = true;
        }
        return changed;
      };
    }
    case 'extract': {
      const re = new RegExp(action.pattern!);
      return (attributes) => {
        const index = indexOfKey(attributes, key);
        const value = index >= 0 ? attributes[index]!.value : undefined;
        if (typeof value !== 'string') return false;
        const groups = re.exec(value)?.groups;
        if (!groups) return false;
        let changed = false;
        for (const [name, group] of Object.entries(groups)) {
          if (group !== undefined && setValue(attributes, name, group, true, true)) changed = true;
        }
        return changed;
      };
    }
    case 'convert': {
      const convert = CONVERTERS[action.converted_type!];
      return (attributes) => {
        const index = indexOfKey(attributes, key);
        if (index < 0) return false;
        const converted = convert(attributes[index]!.value);
        if (converted === undefined || converted === attributes[index]!.value) return false;
        attributes[index] = { key, value: converted };
        return true;
      };
    }
  }
}

function keyMatcher(action: AttributeAction): (key: string) => boolean {
  const re = action.pattern === undefined ? undefined : new RegExp(action.pattern);
  const exact = action.key;
  return (key) => key === exact || (re !== undefined && re.test(key));
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** As Go's strconv.ParseBool, which the Collector uses. */
const BOOL_STRINGS: Record<string, boolean> = {
  '1': true,
  t: true,
  T: true,
  TRUE: true,
  true: true,
  True: true,
  '0': false,
  f: false,
  F: false,
  FALSE: false,
  false: false,
  False: false,
};

const CONVERTERS: Record<'int' | 'double' | 'string' | 'bool', (value: AnyValue) => AnyValue | undefined> = {
  int(value) {
    if (typeof value === 'bigint') return value;
    if (typeof value === 'boolean') return value ? 1n : 0n;
    if (typeof value === 'number') {
      // Doubles truncate toward zero, as the Collector's conversion does.
      if (!Number.isFinite(value)) return undefined;
      const truncated = BigInt(Math.trunc(value));
      return truncated >= INT64_MIN && truncated <= INT64_MAX ? truncated : undefined;
    }
    if (typeof value === 'string' && /^[+-]?\d+$/.test(value.trim())) {
      const parsed = BigInt(value.trim());
      return parsed >= INT64_MIN && parsed <= INT64_MAX ? parsed : undefined;
    }
    return undefined;
  },
  double(value) {
    if (typeof value === 'number') return value;
    if (typeof value === 'bigint') return Number(value);
    if (typeof value === 'boolean') return value ? 1 : 0;
    if (typeof value === 'string' && value.trim() !== '') {
      const parsed = Number(value.trim());
      return Number.isNaN(parsed) && value.trim() !== 'NaN' ? undefined : parsed;
    }
    return undefined;
  },
  string(value) {
    return typeof value === 'string' ? value : attributeSearchValue(value);
  },
  bool(value) {
    if (typeof value === 'boolean') return value;
    if (typeof value === 'bigint') return value !== 0n;
    if (typeof value === 'number') return value !== 0;
    if (typeof value === 'string') return BOOL_STRINGS[value.trim()];
    return undefined;
  },
};
