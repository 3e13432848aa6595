import { parseGoDurationNanos } from '../../model/go-duration.js';
import { badRequest } from './tempo-http.js';

/**
 * Tempo's query-parameter forms (facts from its pkg/api/http.go): search and tag routes take
 * `start`/`end` as integer Unix seconds; metrics routes also take Unix nanoseconds (more than 10
 * digits), fractional seconds and RFC 3339, plus `since` and `step` (seconds or a Go duration).
 * Errors read as Tempo's do (`invalid start: …`) and are 400s.
 */

const SECOND_NANO = 1_000_000_000n;

/** The single value of `name`, or undefined when absent or empty. */
export function param(url: URL, name: string): string | undefined {
  const value = url.searchParams.get(name);
  return value === null || value === '' ? undefined : value;
}

/** Integer Unix seconds (search, tags, trace by ID), in nanoseconds. */
export function secondsParam(url: URL, name: string): bigint | undefined {
  const raw = param(url, name);
  if (raw === undefined) return undefined;
  if (!/^\d{1,10}$/.test(raw) || Number(raw) > 4294967295) throw badRequest(`invalid ${name}: ${JSON.stringify(raw)} is not Unix seconds`);
  return BigInt(raw) * SECOND_NANO;
}

export function positiveIntegerParam(url: URL, name: string): number | undefined {
  const raw = param(url, name);
  if (raw === undefined) return undefined;
  if (!/^\d{1,10}$/.test(raw) || Number(raw) > 4294967295)
    throw badRequest(`invalid ${name}: ${JSON.stringify(raw)} is not a non-negative integer`);
  return Number(raw);
}

/** A Go duration (`100ms`, `1.5s`), in nanoseconds. */
export function durationParam(url: URL, name: string): bigint | undefined {
  const raw = param(url, name);
  if (raw === undefined) return undefined;
  const nanos = parseGoDurationNanos(raw);
  if (nanos === undefined) throw badRequest(`invalid ${name}: ${JSON.stringify(raw)} is not a duration (e.g. 100ms, 1.5s, 2m)`);
  return nanos;
}

/** Metrics time: Unix seconds (≤ 10 digits), Unix nanoseconds, fractional seconds or RFC 3339. */
export function metricsTimeParam(url: URL, name: string): bigint | undefined {
  const raw = param(url, name);
  if (raw === undefined) return undefined;
  if (/^\d+\.\d*$/.test(raw)) {
    const [whole, fraction] = raw.split('.') as [string, string];
    return BigInt(whole) * SECOND_NANO + BigInt(fraction.slice(0, 3).padEnd(3, '0')) * 1_000_000n;
  }
  if (/^\d{1,19}$/.test(raw)) return raw.length <= 10 ? BigInt(raw) * SECOND_NANO : BigInt(raw);
  const millis = Date.parse(raw);
  const match = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/.exec(raw);
  if (match === null || Number.isNaN(millis)) throw badRequest(`could not parse '${name}' parameter: ${JSON.stringify(raw)}`);
  const fraction = (match[2] ?? '').padEnd(9, '0');
  return (BigInt(millis) / 1000n) * SECOND_NANO + BigInt(fraction);
}

/** Seconds (`30`, `0.5`) or a Go duration (`1m`), in nanoseconds. */
export function secondsOrDurationParam(url: URL, name: string): bigint | undefined {
  const raw = param(url, name);
  if (raw === undefined) return undefined;
  if (/^\d*\.?\d+$/.test(raw)) return BigInt(Math.round(Number(raw) * 1e9));
  const nanos = parseGoDurationNanos(raw);
  if (nanos === undefined || nanos < 0n) throw badRequest(`cannot parse ${JSON.stringify(raw)} to a valid duration`);
  return nanos;
}

/** Tempo's default step for a range: about 240 points, rounded down to a round granularity. */
export function defaultStepNano(startNano: bigint, endNano: bigint): bigint {
  const delta = endNano - startNano;
  const baseline = delta / 240n;
  if (delta < 60n * SECOND_NANO) {
    const grain = 50_000_000n;
    return baseline > grain ? (baseline / grain) * grain : grain;
  }
  for (const grain of [3600n, 300n, 60n, 15n, 5n, 1n].map((s) => s * SECOND_NANO)) {
    if (baseline > grain) return (baseline / grain) * grain;
  }
  return SECOND_NANO;
}

export function nowNano(): bigint {
  return BigInt(Date.now()) * 1_000_000n;
}
