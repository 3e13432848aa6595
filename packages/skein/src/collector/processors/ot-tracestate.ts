/**
 * The `ot` member of W3C `tracestate` as the OpenTelemetry "TraceState: Probability Sampling"
 * spec defines it: `ot=th:<threshold>;rv:<randomness>;…`. Thresholds and randomness are 56-bit
 * values (bigint here): th is 1–14 hex digits, right-padded with zeros (`th:8` = 2^55, i.e. 50 %);
 * rv is exactly 14 hex digits.
 */

export const MAX_THRESHOLD = 1n << 56n;
const MAX_MEMBERS = 32;

export interface OtTraceState {
  /** Rejection threshold carried in, when present and well-formed. */
  threshold: bigint | undefined;
  /** Explicit randomness, when present and well-formed. */
  randomness: bigint | undefined;
}

/** Splits a tracestate header into its members (trimmed, empty ones dropped). */
function members(traceState: string): string[] {
  return traceState
    .split(',')
    .map((member) => member.trim())
    .filter((member) => member !== '');
}

function otValue(traceState: string): string | undefined {
  for (const member of members(traceState)) if (member.startsWith('ot=')) return member.slice(3);
  return undefined;
}

export function parseOtTraceState(traceState: string): OtTraceState {
  const result: OtTraceState = { threshold: undefined, randomness: undefined };
  const ot = traceState === '' ? undefined : otValue(traceState);
  if (ot === undefined) return result;
  for (const field of ot.split(';')) {
    if (field.startsWith('th:')) result.threshold = parseThreshold(field.slice(3));
    else if (field.startsWith('rv:')) result.randomness = parseRandomness(field.slice(3));
  }
  return result;
}

export function parseThreshold(hex: string): bigint | undefined {
  if (!/^[0-9a-f]{1,14}$/.test(hex)) return undefined;
  return BigInt('0x' + hex.padEnd(14, '0'));
}

function parseRandomness(hex: string): bigint | undefined {
  return /^[0-9a-f]{14}$/.test(hex) ? BigInt('0x' + hex) : undefined;
}

/** 14 hex digits with trailing zeros removed; `0` for the always-sample threshold. */
export function formatThreshold(threshold: bigint): string {
  if (threshold === 0n) return '0';
  return threshold.toString(16).padStart(14, '0').replace(/0+$/, '');
}

export function formatRandomness(randomness: bigint): string {
  return randomness.toString(16).padStart(14, '0');
}

/**
 * Sets (or, with undefined, removes) sub-keys of the `ot` member, keeping its other sub-keys in
 * order. Per W3C trace context the modified member moves to the front; other vendors' members
 * keep their order, and the list is cut to the 32 members allowed.
 */
export function updateOtTraceState(traceState: string, changes: Record<string, string | undefined>): string {
  const others: string[] = [];
  let fields: string[] = [];
  for (const member of members(traceState)) {
    if (member.startsWith('ot='))
      fields = member
        .slice(3)
        .split(';')
        .filter((field) => field !== '');
    else others.push(member);
  }
  for (const [key, value] of Object.entries(changes)) {
    const index = fields.findIndex((field) => field.startsWith(key + ':'));
    if (value === undefined) {
      if (index >= 0) fields.splice(index, 1);
    } else if (index >= 0) {
      fields[index] = `${key}:${value}`;
    } else {
      fields.push(`${key}:${value}`);
    }
  }
  const ot = fields.length > 0 ? [`ot=${fields.join(';')}`] : [];
  return [...ot, ...others].slice(0, MAX_MEMBERS).join(',');
}
