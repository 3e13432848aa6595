import type { SpanNode } from './trace-tree';

/**
 * Keyboard navigation of the timeline as a pure reducer: a key and the current rows and
 * selection in, one command out; the component carries it out. Keys follow the WAI-ARIA tree
 * view pattern: ↑/↓ move, ← collapses (or goes to the parent), → expands (or goes to the first
 * child), Home/End and PageUp/PageDown jump, Enter opens the selected span's details, `/` focuses
 * the in-trace search, Escape clears the selection.
 */
export type TimelineCommand =
  | { type: 'select'; key: string }
  | { type: 'collapse'; key: string }
  | { type: 'expand'; key: string }
  | { type: 'open'; key: string }
  | { type: 'focus-search' }
  | { type: 'clear' };

export interface TimelineKeyState {
  /** Visible rows in display order. */
  rows: readonly SpanNode[];
  /** Row position by key, for O(1) lookups on big traces. */
  rowIndex: ReadonlyMap<string, number>;
  selectedKey: string | undefined;
  isCollapsed(key: string): boolean;
  /** Rows moved by PageUp/PageDown: about one screen. */
  pageSize: number;
}

export function timelineKey(key: string, state: TimelineKeyState): TimelineCommand | undefined {
  const { rows, rowIndex, selectedKey } = state;
  if (key === '/') return { type: 'focus-search' };
  if (key === 'Escape') return selectedKey === undefined ? undefined : { type: 'clear' };
  if (rows.length === 0) return undefined;
  const index = selectedKey === undefined ? -1 : (rowIndex.get(selectedKey) ?? -1);
  const at = (i: number): TimelineCommand => ({ type: 'select', key: rows[Math.min(rows.length - 1, Math.max(0, i))]!.key });
  // Without a (visible) selection, any movement starts at the top.
  if (index < 0) {
    return ['ArrowDown', 'ArrowUp', 'Home', 'End', 'PageDown', 'PageUp', 'Enter'].includes(key)
      ? key === 'End'
        ? at(rows.length - 1)
        : at(0)
      : undefined;
  }
  const current = rows[index]!;
  switch (key) {
    case 'ArrowDown':
      return index + 1 < rows.length ? at(index + 1) : undefined;
    case 'ArrowUp':
      return index > 0 ? at(index - 1) : undefined;
    case 'Home':
      return at(0);
    case 'End':
      return at(rows.length - 1);
    case 'PageDown':
      return at(index + Math.max(1, state.pageSize));
    case 'PageUp':
      return at(index - Math.max(1, state.pageSize));
    case 'ArrowLeft':
      if (current.children.length > 0 && !state.isCollapsed(current.key)) return { type: 'collapse', key: current.key };
      return current.parentKey !== undefined && rowIndex.has(current.parentKey) ? { type: 'select', key: current.parentKey } : undefined;
    case 'ArrowRight':
      if (current.children.length === 0) return undefined;
      if (state.isCollapsed(current.key)) return { type: 'expand', key: current.key };
      // The first child shown (a filtered view may hide some children).
      return rows[index + 1]?.parentKey === current.key ? at(index + 1) : undefined;
    case 'Enter':
      return { type: 'open', key: current.key };
    default:
      return undefined;
  }
}
