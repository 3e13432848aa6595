import { useState, type ReactNode } from 'react';
import { api } from '../api/client';
import { forgetOpenedTrace, openedTrace } from '../opened-traces';
import { navigate } from '../router';
import { CompareWith } from './compare-with';

/**
 * The trace header's file actions: "Download OTLP JSON" for a stored trace (saved as
 * `<traceId>.json`, exactly as `?format=otlp` sends it), or, for a trace opened from a file, where
 * it came from and a way to close it.
 */
export function TraceSourceActions({ traceId }: { traceId: string }): ReactNode {
  const [state, setState] = useState<{ busy: boolean; error?: string }>({ busy: false });
  const fromFile = openedTrace(traceId);
  if (fromFile) {
    return (
      <div className="trace-actions">
        <span className="badge file-badge" title="Opened in this browser from a file; not stored in Skein">
          from file {fromFile.fileName}
        </span>
        <button
          type="button"
          className="secondary"
          onClick={() => {
            forgetOpenedTrace(traceId);
            navigate('/search');
          }}
        >
          Close file
        </button>
      </div>
    );
  }
  const download = async (): Promise<void> => {
    setState({ busy: true });
    try {
      const json = await api.traceOtlpJson(traceId);
      const url = URL.createObjectURL(new Blob([json], { type: 'application/json' }));
      const anchor = document.createElement('a');
      anchor.href = url;
      anchor.download = `${traceId}.json`;
      document.body.append(anchor);
      anchor.click();
      anchor.remove();
      // The download has started by now; revoking later keeps slow browsers safe.
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      setState({ busy: false });
    } catch (error) {
      setState({ busy: false, error: error instanceof Error ? error.message : String(error) });
    }
  };
  return (
    <div className="trace-actions">
      <CompareWith traceId={traceId} />
      {state.error && (
        <span className="error-text small" role="alert">
          Download failed: {state.error}
        </span>
      )}
      <button
        type="button"
        className="secondary"
        disabled={state.busy}
        onClick={() => void download()}
        title="Save this trace as OTLP JSON"
      >
        <svg viewBox="0 0 24 24" width="15" height="15" aria-hidden="true">
          <path
            d="M12 4v11m0 0-4.5-4.5M12 15l4.5-4.5M5 19h14"
            fill="none"
            stroke="currentColor"
            strokeWidth="2"
            strokeLinecap="round"
            strokeLinejoin="round"
          />
        </svg>
        {state.busy ? 'Preparing…' : 'Download OTLP JSON'}
      </button>
    </div>
  );
}
