import type { AnyValue } from '../api/schemas';

/** Durations in the unit a person reads fastest: 830 ns, 12.4 µs, 250 ms, 1.52 s, 2m 05s. */
export function formatDuration(nanos: number): string {
  if (!Number.isFinite(nanos)) return '–';
  const abs = Math.abs(nanos);
  if (abs < 1_000) return `${Math.round(nanos)} ns`;
  if (abs < 1_000_000) return `${trim(nanos / 1_000)} µs`;
  if (abs < 1_000_000_000) return `${trim(nanos / 1_000_000)} ms`;
  if (abs < 60_000_000_000) return `${trim(nanos / 1_000_000_000)} s`;
  const totalSeconds = Math.round(nanos / 1_000_000_000);
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  return hours > 0 ? `${hours}h ${pad(minutes)}m` : `${minutes}m ${pad(seconds)}s`;
}

/** Three significant digits at most, no trailing zeros. */
function trim(value: number): string {
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  return String(Number(value.toFixed(digits)));
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** Local wall-clock time with milliseconds, from a decimal string of Unix nanoseconds. */
export function formatTimestamp(unixNano: string, timeZone?: string): string {
  const millis = Number(BigInt(unixNano) / 1_000_000n);
  const date = new Date(millis);
  const parts = new Intl.DateTimeFormat('en-CA', {
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
    ...(timeZone !== undefined && { timeZone }),
  }).formatToParts(date);
  const get = (type: string): string => parts.find((part) => part.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}:${get('second')}.${String(millis % 1000).padStart(3, '0')}`;
}

/** "3 min ago" style age of a time, against `now` (milliseconds). */
export function formatAge(unixNano: string, now: number): string {
  const seconds = Math.round((now - Number(BigInt(unixNano) / 1_000_000n)) / 1000);
  if (seconds < 0) return 'in the future';
  if (seconds < 60) return `${seconds}s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)} h ago`;
  return `${Math.floor(seconds / 86400)} d ago`;
}

export type ValueType = 'string' | 'bool' | 'int' | 'double' | 'bytes' | 'array' | 'kvlist' | 'empty';

/** An OTLP typed value as its type name and display text (strings unquoted, nested values as JSON-like text). */
export function describeValue(value: AnyValue): { type: ValueType; text: string } {
  if (value.stringValue !== undefined) return { type: 'string', text: value.stringValue };
  if (value.boolValue !== undefined) return { type: 'bool', text: String(value.boolValue) };
  if (value.intValue !== undefined) return { type: 'int', text: value.intValue };
  if (value.doubleValue !== undefined) return { type: 'double', text: String(value.doubleValue) };
  if (value.bytesValue !== undefined) return { type: 'bytes', text: base64ToHex(value.bytesValue) };
  if (value.arrayValue !== undefined) return { type: 'array', text: `[${value.arrayValue.values.map(nestedText).join(', ')}]` };
  if (value.kvlistValue !== undefined) {
    return { type: 'kvlist', text: `{${value.kvlistValue.values.map((kv) => `${kv.key}: ${nestedText(kv.value)}`).join(', ')}}` };
  }
  return { type: 'empty', text: '(empty)' };
}

function nestedText(value: AnyValue): string {
  const { type, text } = describeValue(value);
  return type === 'string' ? JSON.stringify(text) : text;
}

function base64ToHex(base64: string): string {
  try {
    return Array.from(atob(base64), (char) => char.charCodeAt(0).toString(16).padStart(2, '0')).join('');
  } catch {
    return base64;
  }
}

/** Ruler ticks: about `count` round steps (1, 2 or 5 × 10^n ns) covering [0, total]. */
export function rulerTicks(totalNano: number, count = 5): number[] {
  if (!(totalNano > 0)) return [0];
  const rough = totalNano / count;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((candidate) => candidate >= rough) ?? rough;
  const ticks: number[] = [];
  for (let t = 0; t <= totalNano + step * 1e-9; t += step) ticks.push(t);
  return ticks;
}
