import { createRandom } from './random.js';

/** The delivery area (central Berlin): restaurants are spread over it, customers order from it. */
export const CITY_CENTRE = { lat: 52.52, lon: 13.405 } as const;
/** Width and height of the area, in degrees. */
export const CITY_SPAN_DEGREES = 0.08;

export interface Address {
  lat: number;
  lon: number;
}

/** `count` fixed delivery addresses (the same on every run). */
export function deliveryAddresses(count: number): Address[] {
  const random = createRandom(42);
  return Array.from({ length: count }, () => ({
    lat: Math.round((CITY_CENTRE.lat + (random() - 0.5) * CITY_SPAN_DEGREES * 0.8) * 10_000) / 10_000,
    lon: Math.round((CITY_CENTRE.lon + (random() - 0.5) * CITY_SPAN_DEGREES * 0.8) * 10_000) / 10_000,
  }));
}
