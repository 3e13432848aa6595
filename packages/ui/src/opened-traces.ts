import { nativeTraceSchema, type NativeTrace } from './api/schemas';
import { loadStoredTrace, type TraceLoadOptions } from './api/trace-loader';

/**
 * Traces opened from OTLP JSON files live in the browser only: never uploaded, kept for the tab's
 * session (sessionStorage) so that a reload or a shared view of the trace page still finds them.
 * When a file is too large for sessionStorage they stay in memory for this page load.
 */
export interface OpenedTrace {
  fileName: string;
  trace: NativeTrace;
}

const STORAGE_KEY = 'skein.openedTraces';
let opened: Map<string, OpenedTrace> | undefined;

function all(): Map<string, OpenedTrace> {
  if (opened) return opened;
  opened = new Map();
  try {
    const stored: unknown = JSON.parse(window.sessionStorage.getItem(STORAGE_KEY) ?? '[]');
    for (const entry of Array.isArray(stored) ? stored : []) {
      const fileName: unknown = (entry as { fileName?: unknown }).fileName;
      // Our own data, but written by an older build perhaps: keep only what still fits the schema.
      const trace = nativeTraceSchema.safeParse((entry as { trace?: unknown }).trace);
      if (trace.success && typeof fileName === 'string') opened.set(trace.data.traceId, { fileName, trace: trace.data });
    }
  } catch {
    // Unreadable or blocked storage: start empty.
  }
  return opened;
}

function persist(): void {
  try {
    window.sessionStorage.setItem(STORAGE_KEY, JSON.stringify([...all().values()]));
  } catch {
    // Over the quota or blocked: the traces stay in memory until the page is left.
  }
}

export function rememberOpenedTraces(fileName: string, traces: readonly NativeTrace[]): void {
  for (const trace of traces) all().set(trace.traceId, { fileName, trace });
  persist();
}

export function openedTrace(traceId: string): OpenedTrace | undefined {
  return all().get(traceId);
}

export function forgetOpenedTrace(traceId: string): void {
  if (all().delete(traceId)) persist();
}

/** The trace page's loader: a trace opened from a file, else the stored trace from the API. */
export async function loadTrace(traceId: string, options: TraceLoadOptions = {}): Promise<NativeTrace> {
  return openedTrace(traceId)?.trace ?? loadStoredTrace(traceId, options);
}
