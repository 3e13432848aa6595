import type { CompactColumns } from './compact-trace';

/** Messages between the trace page and trace-loader-worker.ts. */
export interface TraceLoaderRequest {
  /** The compact-format URL of the trace. */
  url: string;
}

export type TraceLoadPhase = 'download' | 'decode' | 'build';

export type TraceLoaderReply =
  | { type: 'progress'; phase: TraceLoadPhase; bytes: number }
  | { type: 'done'; columns: CompactColumns }
  /** The API's error (`code`, `message`), or the loader's own (`network`, `bad_response`). */
  | { type: 'error'; status: number; code: string; message: string };
