/**
 * The parsers Jaeger's query service applies to its parameters, with Go's own error texts: Jaeger
 * answers a bad parameter with the Go error in its body, and clients (and our golden files,
 * test/jaeger-golden/) see those words. Each returns the value or `{ error }`. Durations are
 * model/go-duration.ts's `parseGoDuration`, the one duration parser, which carries Go's texts too.
 */

export type Parsed<T> = { value: T } | { error: string };

const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

/** Go's strconv.Quote for the texts these errors quote (JSON's quoting agrees on printable text). */
function quote(text: string): string {
  return JSON.stringify(text);
}

/** `strconv.ParseInt(s, 10, 64)` (fn names the Go function, e.g. `strconv.Atoi`). */
export function parseGoInt(text: string, fn = 'strconv.ParseInt'): Parsed<bigint> {
  if (!/^[+-]?\d+$/.test(text)) return { error: `${fn}: parsing ${quote(text)}: invalid syntax` };
  const value = BigInt(text);
  if (value > INT64_MAX || value < -INT64_MAX - 1n) return { error: `${fn}: parsing ${quote(text)}: value out of range` };
  return { value };
}

/** `strconv.ParseUint(s, 16, 64)`. */
export function parseGoHexUint(text: string): Parsed<bigint> {
  if (!/^[0-9a-fA-F]+$/.test(text)) return { error: `strconv.ParseUint: parsing ${quote(text)}: invalid syntax` };
  const value = BigInt(`0x${text}`);
  if (value > UINT64_MAX) return { error: `strconv.ParseUint: parsing ${quote(text)}: value out of range` };
  return { value };
}

/** `strconv.ParseBool`. */
export function parseGoBool(text: string): Parsed<boolean> {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(text)) return { value: true };
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(text)) return { value: false };
  return { error: `strconv.ParseBool: parsing ${quote(text)}: invalid syntax` };
}

/**
 * Jaeger's `model.TraceIDFromString`: 1 to 32 hex digits, read as two 64-bit halves; the result
 * is Skein's 32-digit lowercase form (all zero is a valid parse that finds nothing).
 */
export function parseJaegerTraceId(text: string): Parsed<string> {
  if (text.length > 32) return { error: `TraceID cannot be longer than 32 hex characters: ${text}` };
  const hiText = text.length > 16 ? text.slice(0, text.length - 16) : '';
  const loText = text.length > 16 ? text.slice(text.length - 16) : text;
  let hi = 0n;
  if (hiText !== '') {
    const parsed = parseGoHexUint(hiText);
    if ('error' in parsed) return parsed;
    hi = parsed.value;
  }
  const lo = parseGoHexUint(loText);
  if ('error' in lo) return lo;
  return { value: hi.toString(16).padStart(16, '0') + lo.value.toString(16).padStart(16, '0') };
}

const RFC3339_NANO_LAYOUT = '2006-01-02T15:04:05.999999999Z07:00';

/**
 * Go's `time.Parse(time.RFC3339Nano, s)` in Unix nanoseconds. Errors follow Go's shape
 * (`parsing time "s" as "layout": cannot parse "rest" as "element"`, or `…: month out of range`)
 * for the element where the text stops matching.
 */
export function parseGoRfc3339(text: string): Parsed<bigint> {
  const cannot = (rest: string, element: string): Parsed<bigint> => ({
    error: `parsing time ${quote(text)} as ${quote(RFC3339_NANO_LAYOUT)}: cannot parse ${quote(rest)} as ${quote(element)}`,
  });
  const range = (what: string): Parsed<bigint> => ({ error: `parsing time ${quote(text)}: ${what} out of range` });
  const steps: [string, RegExp][] = [
    ['2006', /^\d{4}/],
    ['-', /^-/],
    ['01', /^\d{2}/],
    ['-', /^-/],
    ['02', /^\d{2}/],
    ['T', /^T/],
    ['15', /^\d{1,2}/],
    [':', /^:/],
    ['04', /^\d{2}/],
    [':', /^:/],
    ['05', /^\d{2}/],
  ];
  let rest = text;
  const numbers: number[] = [];
  for (const [element, pattern] of steps) {
    const match = pattern.exec(rest);
    if (match === null) return cannot(rest, element);
    if (/\d/.test(element)) numbers.push(Number(match[0]));
    rest = rest.slice(match[0].length);
  }
  const fraction = /^[.,](\d+)/.exec(rest);
  if (fraction !== null) rest = rest.slice(fraction[0].length);
  const zone = /^(Z|([+-])(\d{2}):(\d{2}))/.exec(rest);
  if (zone === null) return cannot(rest, 'Z07:00');
  rest = rest.slice(zone[0].length);
  if (rest !== '') return { error: `parsing time ${quote(text)}: extra text: ${quote(rest)}` };
  const [year, month, day, hour, minute, second] = numbers as [number, number, number, number, number, number];
  if (month < 1 || month > 12) return range('month');
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day < 1 || day > daysInMonth) return range('day');
  if (hour > 23) return range('hour');
  if (minute > 59) return range('minute');
  if (second > 59) return range('second');
  let offsetMinutes = 0;
  if (zone[2] !== undefined) {
    offsetMinutes = (Number(zone[3]) * 60 + Number(zone[4])) * (zone[2] === '-' ? -1 : 1);
  }
  const millis = Date.UTC(year, month - 1, day, hour, minute, second) - offsetMinutes * 60_000;
  const nanos = BigInt((fraction?.[1] ?? '').slice(0, 9).padEnd(9, '0'));
  return { value: BigInt(millis) * 1_000_000n + nanos };
}
