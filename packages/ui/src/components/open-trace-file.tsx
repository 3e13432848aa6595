import { useRef, type ReactNode } from 'react';

/** Bigger files would freeze the tab while parsing; the trace page is not built for them anyway. */
export const MAX_TRACE_FILE_BYTES = 100 * 1024 * 1024;

/**
 * "Open an OTLP JSON file": a file picker that also takes a dropped file. The file is read in the
 * browser (see pages/search-page.tsx); nothing is uploaded.
 */
export function OpenTraceFile({ onFile }: { onFile(file: File): void }): ReactNode {
  const input = useRef<HTMLInputElement>(null);
  return (
    <div
      className="open-file"
      onDragOver={(event) => event.preventDefault()}
      onDrop={(event) => {
        event.preventDefault();
        event.stopPropagation();
        const file = event.dataTransfer.files[0];
        if (file) onFile(file);
      }}
    >
      <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true">
        <path d="M6 3h8l4 4v14H6z M14 3v4h4 M9 13h6 M12 10v6" fill="none" stroke="currentColor" strokeWidth="1.6" strokeLinejoin="round" />
      </svg>
      <div>
        <button type="button" className="link-button" onClick={() => input.current?.click()}>
          Open an OTLP JSON file
        </button>
        <div className="muted small">or drop it here · it stays in your browser</div>
      </div>
      <input
        ref={input}
        type="file"
        name="traceFile"
        accept=".json,.jsonl,application/json"
        hidden
        onChange={(event) => {
          const file = event.target.files?.[0];
          // Reset, so choosing the same file again still fires a change.
          event.target.value = '';
          if (file) onFile(file);
        }}
      />
    </div>
  );
}
