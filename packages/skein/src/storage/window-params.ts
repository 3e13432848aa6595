import { BUCKET_NANO } from './span-rows.js';

/** A time window as bound parameters: exact nanoseconds and the minute buckets holding them. */
export function windowParams(startNano: bigint, endNano: bigint): Record<string, bigint> {
  const startNs = clampUInt64(startNano);
  const endNs = clampUInt64(endNano);
  return { startNs, endNs, startBucket: startNs / BUCKET_NANO, endBucket: endNs / BUCKET_NANO };
}

/** Times and durations are unsigned 64-bit in storage; a query bound outside that range is clamped. */
export function clampUInt64(value: bigint): bigint {
  if (value < 0n) return 0n;
  const max = 18446744073709551615n;
  return value > max ? max : value;
}
