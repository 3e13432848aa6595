/**
 * A stable colour per service: the same name gets the same colour on every page and every load,
 * so a service is recognisable across the search results and every trace.
 */
const PALETTE = [
  '#4e79a7',
  '#f28e2b',
  '#59a14f',
  '#b07aa1',
  '#76b7b2',
  '#edc948',
  '#ff9da7',
  '#9c755f',
  '#3b8bd9',
  '#8cd17d',
  '#d37295',
  '#499894',
  '#e15759',
  '#a0cbe8',
  '#f1ce63',
  '#86bcb6',
] as const;

/** FNV-1a over UTF-16 code units: tiny, deterministic, spreads similar names apart. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function serviceColor(serviceName: string): string {
  return PALETTE[hash(serviceName) % PALETTE.length]!;
}
