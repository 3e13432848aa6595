import type { TraceLoadPhase } from '../api/trace-loader-protocol';

/** How far a stored trace's loading got (trace-page.tsx), as the loader reports it. */
export interface TraceLoadProgress {
  phase: TraceLoadPhase;
  /** Response bytes received so far (after decompression). */
  bytes: number;
  /** The trace's spans: from the outline, or from the compact body's header once it arrives. */
  spanCount?: number;
}

export interface TraceLoadStep {
  phase: TraceLoadPhase;
  label: string;
  state: 'done' | 'current' | 'next';
}

export interface TraceLoadStatus {
  steps: TraceLoadStep[];
  /** What the current step is doing, with the figures known so far. */
  text: string;
}

const STEP_LABELS: Record<TraceLoadPhase, string> = {
  outline: 'server',
  download: 'download',
  decode: 'decode',
  build: 'build',
};

function spans(count: number | undefined): string {
  return count === undefined ? '' : ` ${count.toLocaleString('en')} spans`;
}

function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

/**
 * The steps and the sentence of a trace's loading. The compact body is columnar (every span's
 * name, then every span's start, …), so no span is complete before the last byte: download
 * progress is bytes and rate, not spans, and the span count says how big the whole is.
 * `withOutline` is false when the page skips the outline request (`outline=0`); `phaseMillis` is
 * the time spent in the current phase (the download rate's denominator).
 */
export function traceLoadStatus(progress: TraceLoadProgress | undefined, withOutline: boolean, phaseMillis: number): TraceLoadStatus {
  const phases: TraceLoadPhase[] = withOutline ? ['outline', 'download', 'decode', 'build'] : ['download', 'decode', 'build'];
  const phase = progress?.phase ?? phases[0]!;
  const current = phases.indexOf(phase);
  const steps = phases.map((step, index): TraceLoadStep => ({
    phase: step,
    label: STEP_LABELS[step],
    state: index < current ? 'done' : index === current ? 'current' : 'next',
  }));
  const bytes = progress?.bytes ?? 0;
  const count = progress?.spanCount;
  let text: string;
  if (phase === 'outline') text = 'the server reads the trace (a million spans take a few seconds)';
  else if (phase === 'download') {
    const rate = phaseMillis >= 1_000 && bytes > 0 ? ` (${megabytes(bytes / (phaseMillis / 1_000))}/s)` : '';
    text = `downloading${spans(count)}: ${megabytes(bytes)} received${rate}`;
  } else if (phase === 'decode') text = `decoding ${megabytes(bytes)}${count === undefined ? '' : ` of${spans(count)}`}`;
  else text = `building the tree of${spans(count) || ' the spans'}`;
  return { steps, text };
}
