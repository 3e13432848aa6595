import { notADuration } from '../model/duration-schema.js';
import { parseGoDurationNanos } from '../model/go-duration.js';
import { badParameter } from './api-error.js';

/**
 * Typed reading of URL query parameters. Every parser names the parameter in its error, and
 * {@link QueryParams.rejectUnknown} turns a typo (`serivce=`) into a 400 instead of a silently
 * ignored filter.
 */
export class QueryParams {
  private readonly read = new Set<string>();

  constructor(private readonly search: URLSearchParams) {}

  string(name: string): string | undefined {
    this.read.add(name);
    const values = this.search.getAll(name);
    if (values.length > 1) throw badParameter(name, 'given more than once');
    const value = values[0];
    return value === undefined || value === '' ? undefined : value;
  }

  all(name: string): string[] {
    this.read.add(name);
    return this.search.getAll(name).filter((value) => value !== '');
  }

  integer(name: string, min: number, max: number): number | undefined {
    const raw = this.string(name);
    if (raw === undefined) return undefined;
    if (!/^\d+$/.test(raw)) throw badParameter(name, `expected an integer, got ${JSON.stringify(raw)}`);
    const value = Number(raw);
    if (value < min || value > max) throw badParameter(name, `must be between ${min} and ${max}, got ${value}`);
    return value;
  }

  /**
   * A Go duration such as `250ms`, `1.5s`, `1m30s`, `300us` (model/go-duration.ts), the same answer
   * as every config key and CLI flag. A bare number other than `0` is refused: its unit would be a
   * guess (Jaeger's `minDuration` needs a unit too).
   */
  durationNano(name: string): bigint | undefined {
    const raw = this.string(name);
    if (raw === undefined) return undefined;
    const value = parseGoDurationNanos(raw.trim());
    if (value === undefined) throw badParameter(name, notADuration(raw));
    return value;
  }

  /** A point in time: RFC 3339 (`2026-11-23T10:00:00Z`) or integer Unix nanoseconds. */
  timeUnixNano(name: string): bigint | undefined {
    const raw = this.string(name);
    if (raw === undefined) return undefined;
    if (/^\d{1,20}$/.test(raw)) return BigInt(raw);
    // An unencoded '+' in a URL arrives as a space: in an offset it can only have been a '+'.
    const match = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d{1,9})?(Z|[+ -]\d{2}:\d{2})$/i.exec(raw);
    const millis = match ? Date.parse(`${match[1]}${match[3]!.replace(' ', '+')}`) : NaN;
    if (!match || Number.isNaN(millis)) {
      throw badParameter(name, `expected an RFC 3339 time (2026-11-23T10:00:00Z) or Unix nanoseconds, got ${JSON.stringify(raw)}`);
    }
    const fraction = (match[2] ?? '.').slice(1).padEnd(9, '0');
    return BigInt(millis) * 1_000_000n + BigInt(fraction);
  }

  /** Throws for the first parameter no parser asked for. */
  rejectUnknown(): void {
    for (const name of this.search.keys()) {
      if (!this.read.has(name)) throw badParameter(name, 'unknown parameter');
    }
  }
}
