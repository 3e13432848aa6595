import type { ReactNode } from 'react';
import { durationMillis, localInputFromRfc3339, LOOKBACK_PRESETS, rfc3339FromLocalInput, type SearchForm } from '../model/search-state';

type Range = Pick<SearchForm, 'lookback' | 'start' | 'end'>;

/** Relative presets (last 15m … 7d) or an absolute from/to, picked in local time. */
export function TimeRangeField({ range, onChange }: { range: Range; onChange(range: Range): void }): ReactNode {
  const absolute = range.start !== '';
  const toCustom = (): void => {
    // Start from the window the presets showed, so switching loses nothing.
    const now = Date.now();
    const start = new Date(now - (durationMillis(range.lookback) ?? 3600e3)).toISOString();
    onChange({ ...range, start: rfc3339FromLocalInput(localInputFromRfc3339(start)), end: '' });
  };
  return (
    <div className="field">
      <span>Time range</span>
      <div className="segmented" role="radiogroup" aria-label="Time range">
        {LOOKBACK_PRESETS.map((preset) => (
          <button
            key={preset}
            type="button"
            role="radio"
            aria-checked={!absolute && range.lookback === preset}
            className={!absolute && range.lookback === preset ? 'selected' : ''}
            onClick={() => onChange({ lookback: preset, start: '', end: '' })}
          >
            {preset}
          </button>
        ))}
        <button type="button" role="radio" aria-checked={absolute} className={absolute ? 'selected' : ''} onClick={toCustom}>
          Custom
        </button>
      </div>
      {absolute && (
        <div className="range-inputs">
          <label>
            From
            <input
              type="datetime-local"
              name="start"
              value={localInputFromRfc3339(range.start)}
              required
              onChange={(event) => {
                const start = rfc3339FromLocalInput(event.target.value);
                if (start) onChange({ ...range, start });
              }}
            />
          </label>
          <label>
            To
            <input
              type="datetime-local"
              name="end"
              value={localInputFromRfc3339(range.end)}
              title="Empty: now"
              onChange={(event) => onChange({ ...range, end: rfc3339FromLocalInput(event.target.value) })}
            />
          </label>
        </div>
      )}
    </div>
  );
}
