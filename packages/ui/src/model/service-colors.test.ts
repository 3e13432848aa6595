import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SERVICE_PALETTE, serviceColor } from './service-colors';

/** Hue in degrees and saturation (HSL) of a #rrggbb colour. */
function hueAndSaturation(hex: string): { hue: number; saturation: number } {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255) as [number, number, number];
  const max = Math.max(r, g, b);
  const min = Math.min(r, g, b);
  const delta = max - min;
  const lightness = (max + min) / 2;
  const saturation = delta === 0 ? 0 : delta / (1 - Math.abs(2 * lightness - 1));
  let hue = 0;
  if (delta > 0) {
    if (max === r) hue = 60 * (((g - b) / delta) % 6);
    else if (max === g) hue = 60 * ((b - r) / delta + 2);
    else hue = 60 * ((r - g) / delta + 4);
  }
  return { hue: (hue + 360) % 360, saturation };
}

test('no service colour reads as the error colour (a saturated red, hue within 20° of 0°)', () => {
  for (const colour of SERVICE_PALETTE) {
    const { hue, saturation } = hueAndSaturation(colour);
    const fromRed = Math.min(hue, 360 - hue);
    assert.ok(saturation < 0.35 || fromRed > 20, `${colour}: hue ${hue.toFixed(0)}°, saturation ${saturation.toFixed(2)}`);
  }
  // The error colours themselves are what the rule catches.
  for (const error of ['#d92d20', '#f97066']) assert.ok(Math.min(hueAndSaturation(error).hue, 360 - hueAndSaturation(error).hue) <= 20);
});

test('the demo services, notify included, get colours from the palette, stable across calls', () => {
  for (const service of ['api-gateway', 'auth', 'order', 'restaurant-availability', 'geo', 'pricing', 'fraud-check', 'payment', 'notify']) {
    assert.ok((SERVICE_PALETTE as readonly string[]).includes(serviceColor(service)));
    assert.equal(serviceColor(service), serviceColor(service));
  }
});
