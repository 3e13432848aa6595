import { useEffect, useState, type ReactNode } from 'react';
import { traceLoadStatus, type TraceLoadProgress } from '../model/trace-load-progress';

/** Often enough for a seconds counter and a download rate to move. */
const TICK_MILLIS = 500;

/**
 * What a trace's loading is doing while the tab stays responsive: the steps (server, download,
 * decode, build) with the current one marked, the span count once known, bytes and rate while
 * downloading, and the time so far, so a 20k-span trace on a slow link never looks stuck.
 */
export function TraceLoading({
  traceId,
  progress,
  withOutline,
}: {
  traceId: string;
  progress: TraceLoadProgress | undefined;
  withOutline: boolean;
}): ReactNode {
  const [startedAt] = useState(() => performance.now());
  const [now, setNow] = useState(startedAt);
  // When the current phase began (React's "state from the previous render" pattern): the rate's base.
  const [phaseStart, setPhaseStart] = useState({ phase: progress?.phase, at: startedAt });
  if (phaseStart.phase !== progress?.phase) setPhaseStart({ phase: progress?.phase, at: performance.now() });
  useEffect(() => {
    const timer = setInterval(() => setNow(performance.now()), TICK_MILLIS);
    return () => clearInterval(timer);
  }, []);
  const status = traceLoadStatus(progress, withOutline, Math.max(0, now - phaseStart.at));
  const current = status.steps.findIndex((step) => step.state === 'current');
  const seconds = Math.floor((now - startedAt) / 1_000);
  return (
    <div className="trace-loading" role="status" data-phase={status.steps[current]?.phase}>
      <div className="loading">
        <span className="spinner" aria-hidden="true" /> Loading trace {traceId}: {status.text}…
        {seconds >= 1 && <span className="trace-loading-elapsed">{seconds} s</span>}
      </div>
      <ol className="trace-loading-steps" aria-label={`step ${current + 1} of ${status.steps.length}`}>
        {status.steps.map((step) => (
          <li key={step.phase} className={step.state} {...(step.state === 'current' && { 'aria-current': 'step' as const })}>
            {step.label}
          </li>
        ))}
      </ol>
    </div>
  );
}
