/**
 * Row virtualization for the waterfall: only the rows in the viewport (plus an overscan above and
 * below) are rendered, all with one fixed height, inside a spacer as tall as every row together.
 * A trace of 100k spans then costs the DOM ~60 rows, whatever is expanded.
 */
export interface VirtualWindow {
  /** First rendered row (inclusive) and last (exclusive). */
  first: number;
  last: number;
  /** Pixels above the first rendered row (the rendered block's offset in the spacer). */
  offsetTop: number;
  /** Height of the spacer: every row. */
  totalHeight: number;
}

export interface ViewportInput {
  rowCount: number;
  rowHeight: number;
  scrollTop: number;
  viewportHeight: number;
  /** Rows rendered beyond each edge so fast scrolling does not show blank space. */
  overscan: number;
}

export function virtualWindow({ rowCount, rowHeight, scrollTop, viewportHeight, overscan }: ViewportInput): VirtualWindow {
  const totalHeight = rowCount * rowHeight;
  if (rowCount === 0 || rowHeight <= 0) return { first: 0, last: 0, offsetTop: 0, totalHeight: 0 };
  // A scroll position left over from a longer list (rows collapsed since) is clamped to the end.
  const top = Math.min(Math.max(0, scrollTop), Math.max(0, totalHeight - viewportHeight));
  const firstVisible = Math.floor(top / rowHeight);
  const lastVisible = Math.ceil((top + Math.max(0, viewportHeight)) / rowHeight);
  const first = Math.max(0, firstVisible - overscan);
  const last = Math.min(rowCount, Math.max(lastVisible, firstVisible + 1) + overscan);
  return { first, last, offsetTop: first * rowHeight, totalHeight };
}

/**
 * The scroll position that brings row `index` into view with the least movement (as
 * `scrollIntoView({ block: 'nearest' })` would); undefined when it is already fully visible.
 */
export function scrollTopToReveal(index: number, rowHeight: number, scrollTop: number, viewportHeight: number): number | undefined {
  if (index < 0) return undefined;
  const rowTop = index * rowHeight;
  const rowBottom = rowTop + rowHeight;
  if (rowTop < scrollTop) return rowTop;
  if (rowBottom > scrollTop + viewportHeight) return Math.max(0, rowBottom - viewportHeight);
  return undefined;
}
