/**
 * Scrolling a list taller than a browser lets an element be (Chromium ~33.5M px, Firefox ~17.9M
 * px: 1M rows of 28 px is 28M px): the spacer is capped at {@link MAX_SPACER_PX} and the scroll
 * position maps proportionally onto the rows, so the first row shows at the top and the last at
 * the bottom. Below the cap it is the plain one-to-one mapping.
 */
export const MAX_SPACER_PX = 10_000_000;
/** Rows rendered beyond each edge of the viewport. */
const OVERSCAN = 8;

export interface OutlineScroll {
  /** Rows to render: first inclusive, last exclusive. */
  first: number;
  last: number;
  spacerHeight: number;
  /** Where the rendered block starts in the spacer (px). */
  rowsTop: number;
  /** The scrollTop that puts a row a third of the way down the viewport. */
  scrollTopFor(row: number): number;
}

export function outlineScroll(rowCount: number, rowHeight: number, scrollTop: number, viewportHeight: number): OutlineScroll {
  const contentHeight = rowCount * rowHeight;
  const spacerHeight = Math.min(contentHeight, MAX_SPACER_PX);
  const scrollRange = Math.max(0, spacerHeight - viewportHeight);
  const contentRange = Math.max(0, contentHeight - viewportHeight);
  const ratio = scrollRange > 0 ? contentRange / scrollRange : 1;
  const top = Math.min(Math.max(0, scrollTop), scrollRange);
  const contentTop = top * ratio;
  const firstVisible = Math.floor(contentTop / rowHeight);
  const first = Math.max(0, firstVisible - OVERSCAN);
  const last = Math.min(rowCount, Math.ceil((contentTop + viewportHeight) / rowHeight) + OVERSCAN);
  return {
    first,
    last,
    spacerHeight,
    // The block sits where the viewport is, shifted so row `first` lands where content puts it.
    rowsTop: top - (contentTop - first * rowHeight),
    scrollTopFor(row) {
      const wanted = Math.max(0, Math.min(contentRange, row * rowHeight - viewportHeight / 3));
      return ratio > 0 ? wanted / ratio : 0;
    },
  };
}
