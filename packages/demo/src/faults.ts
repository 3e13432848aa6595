/**
 * Run-time fault switches. The gateway owns the truth (`GET/POST /faults`) and pushes every change
 * to each service's `/_demo/faults`, so one request flips a fault across all processes.
 */
export interface Faults {
  /** Extra milliseconds on every geo lookup, as if the geo table lost its index (0 = off). */
  slowGeoMs: number;
  /** Probability (0..1) that payment declines with an error. */
  paymentErrorRate: number;
  /** Order retries payment up to 5 times without back-off, and payment sheds load (503) often. */
  retryStorm: boolean;
  /** Milliseconds the fraud-check host's clock is off by (its span times move with it; 0 = off). */
  clockSkewMs: number;
}

export const NO_FAULTS: Readonly<Faults> = { slowGeoMs: 0, paymentErrorRate: 0, retryStorm: false, clockSkewMs: 0 };

export class FaultsError extends Error {
  override name = 'FaultsError';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function number(key: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new FaultsError(`fault "${key}" must be a number between ${min} and ${max}, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** Applies a partial update (as posted to `/faults`) over `current`; throws FaultsError naming a bad field. */
export function mergeFaults(current: Readonly<Faults>, update: unknown): Faults {
  if (!isRecord(update)) throw new FaultsError('faults must be a JSON object');
  const next: Faults = { ...current };
  for (const [key, value] of Object.entries(update)) {
    switch (key) {
      case 'slowGeoMs':
        next.slowGeoMs = number(key, value, 0, 60_000);
        break;
      case 'paymentErrorRate':
        next.paymentErrorRate = number(key, value, 0, 1);
        break;
      case 'clockSkewMs':
        next.clockSkewMs = number(key, value, -86_400_000, 86_400_000);
        break;
      case 'retryStorm':
        if (typeof value !== 'boolean') throw new FaultsError(`fault "retryStorm" must be true or false, got ${JSON.stringify(value)}`);
        next.retryStorm = value;
        break;
      default:
        throw new FaultsError(`unknown fault "${key}" (known: ${Object.keys(NO_FAULTS).join(', ')})`);
    }
  }
  return next;
}

/** Human summary for the launcher's banner. */
export function describeFaults(faults: Readonly<Faults>): string {
  const on: string[] = [];
  if (faults.slowGeoMs > 0) on.push(`slow geo lookup (+${faults.slowGeoMs} ms)`);
  if (faults.paymentErrorRate > 0) on.push(`payment errors (${Math.round(faults.paymentErrorRate * 100)}%)`);
  if (faults.retryStorm) on.push('retry storm (order → payment)');
  if (faults.clockSkewMs !== 0) on.push(`clock skew on fraud-check (${faults.clockSkewMs} ms)`);
  return on.length === 0 ? 'none' : on.join(', ');
}
