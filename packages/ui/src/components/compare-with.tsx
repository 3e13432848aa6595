import { useState, type FormEvent, type ReactNode } from 'react';
import { normaliseTraceId } from '../model/search-state';
import { navigate } from '../router';

/** The trace page's "Compare with…": another trace's ID, then the structural diff of the two. */
export function CompareWith({ traceId }: { traceId: string }): ReactNode {
  const [open, setOpen] = useState(false);
  const [value, setValue] = useState('');
  const [invalid, setInvalid] = useState(false);
  if (!open)
    return (
      <button type="button" className="secondary" onClick={() => setOpen(true)} title="Compare this trace with another one">
        Compare with…
      </button>
    );
  const submit = (event: FormEvent): void => {
    event.preventDefault();
    const other = normaliseTraceId(value);
    setInvalid(other === undefined);
    if (other !== undefined) navigate(`/compare?a=${traceId}&b=${other}`);
  };
  return (
    <form className="compare-with" onSubmit={submit}>
      <input
        autoFocus
        value={value}
        onChange={(event) => {
          setValue(event.target.value);
          setInvalid(false);
        }}
        placeholder="other trace ID"
        aria-label="Trace ID to compare with"
        aria-invalid={invalid}
        className={`mono${invalid ? ' invalid' : ''}`}
        spellCheck={false}
      />
      <button type="submit" className="primary">
        Compare
      </button>
      <button type="button" className="secondary" onClick={() => setOpen(false)} aria-label="Cancel">
        ✕
      </button>
    </form>
  );
}
