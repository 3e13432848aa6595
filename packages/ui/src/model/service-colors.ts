/**
 * A stable colour per service: the same name gets the same colour on every page and every load,
 * so a service is recognisable across the search results and every trace.
 *
 * No colour here may read as the error colour (styles.css `--error`: #d92d20 light, #f97066
 * dark): the Tableau red #e15759 and its pink #ff9da7 were replaced by an indigo and a teal
 * after the demo's `notify` service was drawn in error red. service-colors.test.ts checks every
 * entry's hue against the reds.
 */
export const SERVICE_PALETTE = [
  '#4e79a7',
  '#f28e2b',
  '#59a14f',
  '#b07aa1',
  '#76b7b2',
  '#edc948',
  '#7b6fd6',
  '#9c755f',
  '#3b8bd9',
  '#8cd17d',
  '#d37295',
  '#499894',
  '#2f8fa3',
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
  return SERVICE_PALETTE[hash(serviceName) % SERVICE_PALETTE.length]!;
}
