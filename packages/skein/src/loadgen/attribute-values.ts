import type { AnyValue, KeyValue } from '../model/span.js';
import type { Random } from './random.js';
import type { GeneratedValue } from './topology.js';

/**
 * Topology attribute specs compiled once into small closures: the generator evaluates millions of
 * them, so parsing templates or building weight tables per span would dominate its cost.
 */

/** Looks up an attribute computed earlier (same span first, then the span a client wraps). */
export type AttributeLookup = (key: string) => AnyValue | undefined;

export type ValueMaker = (random: Random, lookup: AttributeLookup) => AnyValue;

export interface AttributeMaker {
  key: string;
  make: ValueMaker;
}

/** YAML/JSON numbers: integers become OTLP ints (bigint), the rest doubles. */
function literal(value: string | number | boolean): AnyValue {
  return typeof value === 'number' && Number.isInteger(value) ? BigInt(value) : value;
}

export function compileValue(spec: GeneratedValue): ValueMaker {
  if (typeof spec !== 'object') {
    const value = literal(spec);
    return () => value;
  }
  if ('one_of' in spec) {
    const values = spec.one_of.map(literal);
    if (spec.weights === undefined) return (random) => random.pick(values);
    let sum = 0;
    const cumulative = spec.weights.map((w) => (sum += w));
    return (random) => values[random.weightedIndex(cumulative)]!;
  }
  if ('int' in spec) {
    const [min, max] = spec.int;
    return (random) => BigInt(random.int(min, max));
  }
  if ('double' in spec) {
    const [min, max] = spec.double;
    // Rounded to 3 decimals: what instrumentation usually records, and shorter on the wire.
    return (random) => Math.round((min + random.next() * (max - min)) * 1000) / 1000;
  }
  return compileTemplate(spec.template, spec.max, spec.skew);
}

function compileTemplate(template: string, max: number, skew: number): ValueMaker {
  // Split once into literal text and placeholders: even indexes are text, odd ones keys.
  const parts = template.split(/\{([^{}]+)\}/);
  if (parts.length === 1) return () => template;
  const only = parts[1]!;
  if (parts.length === 3 && parts[0] === '' && parts[2] === '' && only !== 'n') {
    // A lone reference copies the value with its type (an int status code stays an int).
    return (_random, lookup) => lookup(only) ?? '';
  }
  return (random, lookup) => {
    let out = parts[0]!;
    for (let i = 1; i < parts.length; i += 2) {
      const key = parts[i]!;
      if (key === 'n') {
        out += String(random.skewed(max, skew));
      } else {
        const value = lookup(key);
        out += value === undefined || value === null ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value);
      }
      out += parts[i + 1]!;
    }
    return out;
  };
}

export function compileAttributes(specs: Record<string, GeneratedValue>): AttributeMaker[] {
  return Object.entries(specs).map(([key, spec]) => ({ key, make: compileValue(spec) }));
}

/**
 * Evaluates makers in order into `out`; a key made twice (an override) replaces the earlier value
 * in place, so attribute order stays stable and keys unique.
 */
export function evaluateAttributes(makers: readonly AttributeMaker[], random: Random, out: KeyValue[], fallback?: AttributeLookup): void {
  const lookup: AttributeLookup = (key) => {
    for (const kv of out) if (kv.key === key) return kv.value;
    return fallback?.(key);
  };
  for (const { key, make } of makers) {
    const value = make(random, lookup);
    const existing = out.find((kv) => kv.key === key);
    if (existing) existing.value = value;
    else out.push({ key, value });
  }
}
