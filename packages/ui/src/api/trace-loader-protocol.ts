import type { CompactColumns } from './compact-trace';

/** Messages between the trace page and trace-loader-worker.ts. */
export interface TraceLoaderRequest {
  /** The compact-format URL of the trace. */
  url: string;
}

/** `outline` is the page's own first request (its answer says how big the trace is); the worker reports the rest. */
export type TraceLoadPhase = 'outline' | 'download' | 'decode' | 'build';

export type TraceLoaderReply =
  /** `spanCount` once the body's header (its first bytes) has arrived. */
  | { type: 'progress'; phase: TraceLoadPhase; bytes: number; spanCount?: number }
  | { type: 'done'; columns: CompactColumns }
  /** The API's error (`code`, `message`), or the loader's own (`network`, `bad_response`). */
  | { type: 'error'; status: number; code: string; message: string };
