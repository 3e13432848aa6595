import { useEffect, useId, useState, type KeyboardEvent, type ReactNode } from 'react';
import { splitFilter, suggestKeys, suggestValues } from '../model/attribute-suggest';
import type { AttributeSuggestions } from './use-attribute-suggestions';

interface Props {
  value: string;
  index: number;
  suggestions: AttributeSuggestions;
  /** Keys named by the other filters (offered last). */
  otherKeys: string[];
  onChange(value: string): void;
  onRemove(): void;
}

interface Option {
  id: string;
  text: string;
  detail: string;
  /** The filter text once the option is chosen. */
  result: string;
}

/**
 * One `key=value` filter with a suggestion list: keys until an `=` is typed, then that key's
 * values. An ARIA combobox: arrows move, Enter picks (without submitting the form), Escape closes.
 */
export function AttributeFilterInput({ value, index, suggestions, otherKeys, onChange, onRemove }: Props): ReactNode {
  const listId = useId();
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const { key, value: typedValue } = splitFilter(value);
  const wantsValues = open && typedValue !== undefined && key !== '';
  const { loadValues } = suggestions;
  useEffect(() => {
    if (wantsValues) loadValues(key);
  }, [wantsValues, key, loadValues]);
  let options: Option[] = [];
  if (open) {
    if (typedValue === undefined) {
      options = suggestKeys(suggestions.keys, key, otherKeys).map((suggestion) => ({
        id: `k:${suggestion.key}`,
        text: suggestion.key,
        detail: `${suggestion.scopes.join(' + ')} · ${suggestion.count.toLocaleString('en')}`,
        result: `${suggestion.key}=`,
      }));
    } else {
      options = suggestValues(suggestions.values.get(key) ?? [], typedValue).map((suggestion) => ({
        id: `v:${suggestion.value}`,
        text: suggestion.value === '' ? '(empty)' : suggestion.value,
        detail: suggestion.count.toLocaleString('en'),
        result: `${key}=${suggestion.value}`,
      }));
    }
  }
  const shown = open && options.length > 0;
  const choose = (option: Option): void => {
    onChange(option.result);
    setActive(-1);
    // After a key the value list follows; after a value the filter is complete.
    setOpen(option.result.endsWith('=') && option.id.startsWith('k:'));
  };
  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>): void => {
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      if (!open) setOpen(true);
      const step = event.key === 'ArrowDown' ? 1 : -1;
      setActive((current) => (options.length === 0 ? -1 : (current + step + options.length) % options.length));
    } else if (event.key === 'Enter' && shown && active >= 0 && options[active]) {
      event.preventDefault();
      choose(options[active]);
    } else if (event.key === 'Escape' && shown) {
      event.preventDefault();
      setOpen(false);
    }
  };
  const invalid = value.trim() !== '' && !/^[^=]+=/.test(value.trim());
  return (
    <div className="attr-row">
      <div className="combobox">
        <input
          value={value}
          placeholder="http.route=/checkout"
          aria-label={`Attribute filter ${index + 1}`}
          aria-invalid={invalid}
          className={invalid ? 'invalid' : ''}
          spellCheck={false}
          autoComplete="off"
          role="combobox"
          aria-expanded={shown}
          aria-controls={listId}
          aria-autocomplete="list"
          aria-activedescendant={shown && active >= 0 ? `${listId}-${active}` : undefined}
          title={suggestions.problem ? `No suggestions: ${suggestions.problem}` : 'key=value; suggestions come from recent spans'}
          onChange={(event) => {
            onChange(event.target.value);
            setOpen(true);
            setActive(-1);
          }}
          onFocus={() => setOpen(true)}
          onBlur={() => setOpen(false)}
          onKeyDown={onKeyDown}
        />
        {shown && (
          <ul
            className="suggestions"
            id={listId}
            role="listbox"
            aria-label={typedValue === undefined ? 'Attribute keys' : `Values of ${key}`}
          >
            {options.map((option, i) => (
              <li
                key={option.id}
                id={`${listId}-${i}`}
                role="option"
                aria-selected={i === active}
                className={i === active ? 'active' : ''}
                // mousedown, not click: the input must not lose focus (and close the list) first.
                onMouseDown={(event) => {
                  event.preventDefault();
                  choose(option);
                }}
                onMouseEnter={() => setActive(i)}
              >
                <span className="suggestion-text mono">{option.text}</span>
                <span className="suggestion-detail">{option.detail}</span>
              </li>
            ))}
          </ul>
        )}
      </div>
      <button type="button" className="icon-button small" aria-label={`Remove attribute filter ${index + 1}`} onClick={onRemove}>
        ×
      </button>
    </div>
  );
}
