import { useEffect, useRef, useState, type ReactNode } from 'react';
import type { MatchMode } from '../model/trace-state';

interface Props {
  query: string;
  mode: MatchMode;
  matchCount: number;
  /** 1-based position of the selected span among the matches; undefined when it is none of them. */
  position: number | undefined;
  onQuery(query: string): void;
  onMode(mode: MatchMode): void;
  onStep(direction: 1 | -1): void;
  /** Escape in the field: back to the timeline. */
  onLeave(): void;
}

export const SEARCH_INPUT_ID = 'trace-search';

/** The in-trace search field with match count, previous/next and highlight-or-filter. */
export function TimelineSearch({ query, mode, matchCount, position, onQuery, onMode, onStep, onLeave }: Props): ReactNode {
  // Local text so typing stays instant; the URL (and the matching) follow a moment later.
  const [text, setText] = useState(query);
  const lastSent = useRef(query);
  useEffect(() => {
    if (query !== lastSent.current) {
      lastSent.current = query;
      setText(query);
    }
  }, [query]);
  useEffect(() => {
    if (text === lastSent.current) return;
    const timer = setTimeout(() => {
      lastSent.current = text;
      onQuery(text);
    }, 150);
    return () => clearTimeout(timer);
  }, [text, onQuery]);
  const active = query.trim() !== '';
  return (
    <div className="timeline-search" role="search">
      <input
        id={SEARCH_INPUT_ID}
        type="search"
        value={text}
        placeholder="Find spans by name, span ID or key=value  ·  press /"
        aria-label="Find spans in this trace"
        spellCheck={false}
        autoComplete="off"
        onChange={(event) => setText(event.target.value)}
        onKeyDown={(event) => {
          if (event.key === 'Enter') {
            event.preventDefault();
            if (text !== lastSent.current) {
              lastSent.current = text;
              onQuery(text);
            }
            onStep(event.shiftKey ? -1 : 1);
          } else if (event.key === 'Escape') {
            event.preventDefault();
            if (text !== '') {
              setText('');
              lastSent.current = '';
              onQuery('');
            } else onLeave();
          }
        }}
      />
      <span className={`match-count${active && matchCount === 0 ? ' none' : ''}`} aria-live="polite">
        {active ? (matchCount === 0 ? 'no matches' : `${position ?? '–'} of ${matchCount.toLocaleString('en-US')}`) : ''}
      </span>
      <button
        type="button"
        className="icon-button small"
        onClick={() => onStep(-1)}
        disabled={matchCount === 0}
        aria-label="Previous match"
        title="Previous match (Shift+Enter)"
      >
        ↑
      </button>
      <button
        type="button"
        className="icon-button small"
        onClick={() => onStep(1)}
        disabled={matchCount === 0}
        aria-label="Next match"
        title="Next match (Enter)"
      >
        ↓
      </button>
      <div className="segmented match-mode" role="radiogroup" aria-label="Show matches">
        {(['highlight', 'filter'] as const).map((value) => (
          <button
            key={value}
            type="button"
            role="radio"
            aria-checked={mode === value}
            className={mode === value ? 'selected' : ''}
            onClick={() => onMode(value)}
            title={value === 'highlight' ? 'Mark matching spans among all spans' : 'Show only matching spans and their ancestors'}
          >
            {value === 'highlight' ? 'Highlight' : 'Filter'}
          </button>
        ))}
      </div>
    </div>
  );
}
