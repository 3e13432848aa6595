import { useCallback, useState, type KeyboardEvent, type PointerEvent } from 'react';

const STORAGE_KEY = 'skein.nameColumnPx';
export const MIN_NAME_COLUMN_PX = 160;
export const MAX_NAME_COLUMN_PX = 900;
/** Arrow keys move the divider by this much (Shift: 4×). */
const KEY_STEP_PX = 20;

function clamp(px: number): number {
  return Math.round(Math.min(MAX_NAME_COLUMN_PX, Math.max(MIN_NAME_COLUMN_PX, px)));
}

function stored(): number | undefined {
  try {
    const value = Number(localStorage.getItem(STORAGE_KEY));
    return Number.isFinite(value) && value > 0 ? clamp(value) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The waterfall's name column width, dragged (or moved with the arrow keys) on the divider in the
 * header and remembered across traces and reloads: long span names ("SELECT orders WHERE …") need
 * more room than a narrow trace. Undefined until the user resizes: the stylesheet's width (which
 * narrows on small screens) applies.
 */
export function useColumnResize(): {
  widthPx: number | undefined;
  handleProps: {
    onPointerDown(event: PointerEvent<HTMLElement>): void;
    onKeyDown(event: KeyboardEvent<HTMLElement>): void;
    onDoubleClick(): void;
  };
} {
  const [widthPx, setWidthPx] = useState<number | undefined>(stored);
  const save = useCallback((px: number | undefined) => {
    setWidthPx(px);
    try {
      if (px === undefined) localStorage.removeItem(STORAGE_KEY);
      else localStorage.setItem(STORAGE_KEY, String(px));
    } catch {
      // Private mode: the width lasts for this page only.
    }
  }, []);
  const onPointerDown = useCallback(
    (event: PointerEvent<HTMLElement>) => {
      event.preventDefault();
      event.stopPropagation();
      const handle = event.currentTarget;
      // The column's left edge: the width follows the pointer from there.
      const columnLeft = handle.parentElement?.getBoundingClientRect().left ?? 0;
      handle.setPointerCapture(event.pointerId);
      const move = (moveEvent: globalThis.PointerEvent): void => save(clamp(moveEvent.clientX - columnLeft));
      const up = (): void => {
        handle.removeEventListener('pointermove', move);
        handle.removeEventListener('pointerup', up);
      };
      handle.addEventListener('pointermove', move);
      handle.addEventListener('pointerup', up);
    },
    [save],
  );
  const onKeyDown = useCallback(
    (event: KeyboardEvent<HTMLElement>) => {
      if (event.key !== 'ArrowLeft' && event.key !== 'ArrowRight') return;
      event.preventDefault();
      event.stopPropagation();
      const current = widthPx ?? event.currentTarget.parentElement?.getBoundingClientRect().width ?? 340;
      const step = (event.shiftKey ? 4 : 1) * KEY_STEP_PX * (event.key === 'ArrowLeft' ? -1 : 1);
      save(clamp(current + step));
    },
    [save, widthPx],
  );
  return { widthPx, handleProps: { onPointerDown, onKeyDown, onDoubleClick: () => save(undefined) } };
}
