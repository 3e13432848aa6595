import { useRef, useState, type PointerEvent } from 'react';

export interface DragRange {
  /** The drag's ends as fractions (0–1) of the element's width while dragging; undefined otherwise. */
  range: readonly [number, number] | undefined;
  handlers: {
    onPointerDown(event: PointerEvent<HTMLElement>): void;
    onPointerMove(event: PointerEvent<HTMLElement>): void;
    onPointerUp(event: PointerEvent<HTMLElement>): void;
    onPointerCancel(): void;
  };
}

/**
 * A horizontal drag over an element (the minimap, the ruler) reported as fractions of its width:
 * the element shows the selection while dragging and `onDone` gets both ends on release.
 * Pointer capture keeps the drag alive when the pointer leaves the element.
 */
export function useDragRange(onDone: (a: number, b: number) => void): DragRange {
  const [range, setRange] = useState<readonly [number, number] | undefined>(undefined);
  const start = useRef<number | undefined>(undefined);
  const fraction = (event: PointerEvent<HTMLElement>): number => {
    const box = event.currentTarget.getBoundingClientRect();
    return box.width > 0 ? Math.min(1, Math.max(0, (event.clientX - box.left) / box.width)) : 0;
  };
  return {
    range,
    handlers: {
      onPointerDown(event) {
        if (event.button !== 0) return;
        event.currentTarget.setPointerCapture(event.pointerId);
        start.current = fraction(event);
        setRange([start.current, start.current]);
      },
      onPointerMove(event) {
        if (start.current === undefined) return;
        setRange([start.current, fraction(event)]);
      },
      onPointerUp(event) {
        if (start.current === undefined) return;
        const from = start.current;
        start.current = undefined;
        setRange(undefined);
        onDone(from, fraction(event));
      },
      onPointerCancel() {
        start.current = undefined;
        setRange(undefined);
      },
    },
  };
}
