import { useEffect, useMemo, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import { api, type TempoWindow } from '../api/client';
import type { TraceQLParse } from '../api/schemas';
import {
  completionContext,
  INTRINSICS,
  PIPELINE_FUNCTIONS,
  SCOPES,
  tokenize,
  valueText,
  type CompletionContext,
} from '../model/traceql-text';

interface Props {
  initial: string;
  window: TempoWindow;
  onRun(query: string): void;
}

interface Suggestion {
  label: string;
  /** What replaces the word being typed. */
  insert: string;
  detail: string;
}

const PARSE_DELAY_MILLIS = 250;
const MAX_SUGGESTIONS = 12;

/**
 * The TraceQL box: a textarea over a highlighted copy of its text (same font and metrics, so the
 * colours sit under the characters), suggestions for the word at the cursor from Tempo's tag and
 * value APIs, and the backend parser's verdict underlined where it stopped. Enter runs the query
 * (Shift+Enter is a new line); with suggestions open, Enter or Tab takes the highlighted one.
 */
export function TraceQLEditor({ initial, window, onRun }: Props): ReactNode {
  const [text, setText] = useState(initial);
  const [cursor, setCursor] = useState(initial.length);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(0);
  const [parse, setParse] = useState<TraceQLParse | undefined>();
  const [tags, setTags] = useState<Array<{ name: string; tags: string[] }>>([]);
  const [values, setValues] = useState<{ tag: string; list: Array<{ type: string; value: string }> }>({ tag: '', list: [] });
  const area = useRef<HTMLTextAreaElement>(null);
  const highlight = useRef<HTMLPreElement>(null);
  const { startSeconds, endSeconds } = window;

  useEffect(() => {
    const controller = new AbortController();
    api.tempoTags('all', { startSeconds, endSeconds }, controller.signal).then(setTags, () => setTags([]));
    return () => controller.abort();
  }, [startSeconds, endSeconds]);

  useEffect(() => {
    if (text.trim() === '') {
      setParse(undefined);
      return;
    }
    const controller = new AbortController();
    const timer = setTimeout(() => {
      api.traceqlParse(text, controller.signal).then(setParse, () => undefined);
    }, PARSE_DELAY_MILLIS);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [text]);

  const context = useMemo(() => completionContext(text, cursor), [text, cursor]);
  const valueTag = context.kind === 'value' ? context.tag : '';
  useEffect(() => {
    if (valueTag === '') return;
    const controller = new AbortController();
    const timer = setTimeout(() => {
      api.tempoTagValues(valueTag, text, { startSeconds, endSeconds }, controller.signal).then(
        (list) => setValues({ tag: valueTag, list }),
        () => setValues({ tag: valueTag, list: [] }),
      );
    }, PARSE_DELAY_MILLIS);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
    // The typed query narrows values (Tempo's `q`), but only the tag decides when to ask again.
  }, [valueTag, startSeconds, endSeconds]);

  const suggestions = useMemo(
    () => suggestionsFor(context, tags, values.tag === valueTag ? values.list : []),
    [context, tags, values, valueTag],
  );
  const showSuggestions = open && suggestions.length > 0;

  const apply = (suggestion: Suggestion): void => {
    if (context.kind === 'none') return;
    const next = text.slice(0, context.from) + suggestion.insert + text.slice(cursor);
    let at = context.from + suggestion.insert.length;
    if (suggestion.insert.endsWith('()')) at -= 1;
    setText(next);
    setCursor(at);
    setActive(0);
    // A scope (`span.`) leads straight to its keys; anything else closes the list.
    setOpen(suggestion.insert.endsWith('.'));
    requestAnimationFrame(() => {
      area.current?.focus();
      area.current?.setSelectionRange(at, at);
    });
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>): void => {
    if (showSuggestions) {
      if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
        event.preventDefault();
        const delta = event.key === 'ArrowDown' ? 1 : -1;
        setActive((active + delta + suggestions.length) % suggestions.length);
        return;
      }
      if (event.key === 'Enter' || event.key === 'Tab') {
        event.preventDefault();
        apply(suggestions[Math.min(active, suggestions.length - 1)]!);
        return;
      }
      if (event.key === 'Escape') {
        event.preventDefault();
        setOpen(false);
        return;
      }
    }
    if (event.key === ' ' && event.ctrlKey) {
      event.preventDefault();
      setOpen(true);
      return;
    }
    if (event.key === 'Enter' && !event.shiftKey) {
      event.preventDefault();
      setOpen(false);
      onRun(text);
    }
  };

  const error = parse?.valid === false ? parse.error : undefined;
  return (
    <div className="traceql-editor">
      <div className="traceql-input">
        <pre ref={highlight} className="traceql-highlight" aria-hidden="true">
          {highlighted(text, error?.offset)}
          {'\n'}
        </pre>
        <textarea
          ref={area}
          name="traceql"
          aria-label="TraceQL query"
          aria-invalid={error !== undefined}
          aria-autocomplete="list"
          aria-expanded={showSuggestions}
          aria-controls="traceql-suggestions"
          spellCheck={false}
          autoComplete="off"
          rows={Math.min(6, Math.max(1, text.split('\n').length))}
          placeholder='{ resource.service.name = "checkout" && status = error }   or   { } | rate() by (resource.service.name)'
          value={text}
          onChange={(event) => {
            setText(event.target.value);
            setCursor(event.target.selectionStart);
            setActive(0);
            setOpen(true);
          }}
          onSelect={(event) => setCursor(event.currentTarget.selectionStart)}
          onKeyDown={onKeyDown}
          onBlur={() => setOpen(false)}
          onScroll={(event) => {
            if (highlight.current) highlight.current.scrollTop = event.currentTarget.scrollTop;
          }}
        />
        {showSuggestions && (
          <ul className="traceql-suggestions" id="traceql-suggestions" role="listbox" aria-label="Suggestions">
            {suggestions.map((suggestion, index) => (
              <li
                key={`${suggestion.detail}:${suggestion.label}`}
                role="option"
                aria-selected={index === active}
                className={index === active ? 'active' : ''}
                // Before the textarea's blur closes the list.
                onMouseDown={(event) => {
                  event.preventDefault();
                  apply(suggestion);
                }}
              >
                <span className="mono">{suggestion.label}</span>
                <span className="muted small">{suggestion.detail}</span>
              </li>
            ))}
          </ul>
        )}
      </div>
      <button type="button" className="primary" onClick={() => onRun(text)}>
        Run query
      </button>
      <div className="traceql-status" role="status">
        {error ? (
          <span className="field-error">
            line {error.line}, col {error.column}: {error.message.replace(/^[^:]*col \d+: /, '')}
          </span>
        ) : parse?.valid ? (
          <span className="muted small">
            {parse.kind === 'metrics' ? 'TraceQL metrics query: drawn as a chart' : 'TraceQL search: traces with their matched spans'} ·
            Enter runs it, Ctrl+Space suggests
          </span>
        ) : (
          <span className="muted small">TraceQL as Grafana Tempo documents it · Enter runs it, Ctrl+Space suggests</span>
        )}
      </div>
    </div>
  );
}

/** The text as coloured spans; the character where the parser stopped (or the end) is underlined. */
function highlighted(text: string, errorOffset: number | undefined): ReactNode[] {
  const out: ReactNode[] = [];
  for (const token of tokenize(text)) {
    const end = token.start + token.text.length;
    if (errorOffset !== undefined && errorOffset >= token.start && errorOffset < end) {
      const at = errorOffset - token.start;
      if (at > 0)
        out.push(
          <span key={`${token.start}a`} className={`tq-${token.kind}`}>
            {token.text.slice(0, at)}
          </span>,
        );
      out.push(
        <span key={`${token.start}e`} className={`tq-${token.kind} tq-error`} data-error-offset={errorOffset}>
          {token.kind === 'space' ? token.text.slice(at, at + 1) : token.text.slice(at)}
        </span>,
      );
      if (token.kind === 'space' && at + 1 < token.text.length)
        out.push(
          <span key={`${token.start}b`} className="tq-space">
            {token.text.slice(at + 1)}
          </span>,
        );
    } else {
      out.push(
        <span key={token.start} className={`tq-${token.kind}`}>
          {token.text}
        </span>,
      );
    }
  }
  // The parser wanted more than the text has: a marker after the last character.
  if (errorOffset !== undefined && errorOffset >= text.length)
    out.push(
      <span key="end" className="tq-error tq-missing" data-error-offset={errorOffset}>
        {' '}
      </span>,
    );
  return out;
}

function suggestionsFor(
  context: CompletionContext,
  scopes: ReadonlyArray<{ name: string; tags: string[] }>,
  values: ReadonlyArray<{ type: string; value: string }>,
): Suggestion[] {
  const tagsOf = (name: string): string[] => scopes.find((scope) => scope.name === name)?.tags ?? [];
  const matching = (list: Suggestion[], prefix: string): Suggestion[] => {
    const lower = prefix.toLowerCase();
    return list.filter((s) => s.label.toLowerCase().includes(lower) && s.insert !== prefix).slice(0, MAX_SUGGESTIONS);
  };
  switch (context.kind) {
    case 'field': {
      if (context.scope === 'span' || context.scope === 'resource')
        return matching(
          tagsOf(context.scope).map((tag) => ({ label: tag, insert: tag, detail: `${context.scope} attribute` })),
          context.prefix,
        );
      if (context.scope === 'none') {
        const keys = [...new Set([...tagsOf('span'), ...tagsOf('resource')])];
        return matching(
          keys.map((tag) => ({ label: tag, insert: tag, detail: 'span or resource attribute' })),
          context.prefix,
        );
      }
      return matching(
        [
          ...SCOPES.map((scope) => ({ label: scope, insert: scope, detail: 'scope' })),
          ...INTRINSICS.map((name) => ({ label: name, insert: name, detail: 'intrinsic' })),
          ...tagsOf('resource').map((tag) => ({ label: `resource.${tag}`, insert: `resource.${tag}`, detail: 'resource attribute' })),
          ...tagsOf('span').map((tag) => ({ label: `span.${tag}`, insert: `span.${tag}`, detail: 'span attribute' })),
        ],
        context.prefix,
      );
    }
    case 'value':
      return matching(
        values.map((v) => ({
          label: v.value,
          insert: context.quoted ? `${v.value}"` : valueText(v),
          detail: v.type,
        })),
        context.prefix,
      );
    case 'function':
      return matching(
        PIPELINE_FUNCTIONS.map((f) => ({ label: f, insert: f, detail: 'pipeline' })),
        context.prefix,
      );
    case 'none':
      return [];
  }
}
