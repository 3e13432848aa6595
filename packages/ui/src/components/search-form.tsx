import { useMemo, useState, type FormEvent, type ReactNode } from 'react';
import { api } from '../api/client';
import { splitFilter } from '../model/attribute-suggest';
import { EMPTY_FORM, searchWindow, type SearchForm as Form } from '../model/search-state';
import { useAsync, type AsyncState } from '../use-async';
import { AttributeFilterInput } from './attribute-filter-input';
import { TimeRangeField } from './time-range-field';
import { useAttributeSuggestions } from './use-attribute-suggestions';

interface Props {
  initial: Form;
  services: AsyncState<string[]>;
  onSubmit(form: Form): void;
  /** Puts the form's filters into the TraceQL box as one query, and runs it. */
  onShowTraceQL?(form: Form): void;
}

const LIMITS = [20, 50, 100, 500];

export function SearchForm({ initial, services, onSubmit, onShowTraceQL }: Props): ReactNode {
  const [form, setForm] = useState<Form>(initial);
  // One empty row to type into; the URL never carries empty filters.
  const [attrs, setAttrs] = useState<string[]>(initial.attrs.length > 0 ? initial.attrs : ['']);
  const operations = useAsync((signal) => (form.service ? api.operations(form.service, signal) : Promise.resolve([])), [form.service]);
  const update = (patch: Partial<Form>): void => setForm((current) => ({ ...current, ...patch }));
  const submit = (event: FormEvent): void => {
    event.preventDefault();
    onSubmit({ ...form, attrs: attrs.filter((attr) => attr.trim() !== '') });
  };
  const serviceNames = services.status === 'ok' ? [...services.data] : [];
  // A service from the URL that has no spans in storage (yet) stays selectable.
  if (form.service && !serviceNames.includes(form.service)) serviceNames.push(form.service);
  const spanNames = operations.status === 'ok' ? [...new Set(operations.data.map((op) => op.name))] : [];
  if (form.spanName && !spanNames.includes(form.spanName)) spanNames.push(form.spanName);
  // Suggestions follow the service and time range being edited, not only the submitted ones.
  const { lookback, start, end } = form;
  const timeWindow = useMemo(() => searchWindow({ ...EMPTY_FORM, lookback, start, end }, Date.now()), [lookback, start, end]);
  const suggestions = useAttributeSuggestions({ service: form.service, ...timeWindow });

  return (
    <form className="search-form" onSubmit={submit} aria-label="Search traces">
      <label>
        Service
        <select value={form.service} onChange={(event) => update({ service: event.target.value, spanName: '' })} name="service">
          <option value="">All services</option>
          {serviceNames.map((name) => (
            <option key={name} value={name}>
              {name}
            </option>
          ))}
        </select>
        {services.status === 'error' && <span className="field-error">{services.error.message}</span>}
      </label>
      <label>
        Span name
        <select
          value={form.spanName}
          onChange={(event) => update({ spanName: event.target.value })}
          name="spanName"
          disabled={!form.service}
          title={form.service ? undefined : 'Pick a service to list its span names'}
        >
          <option value="">All span names</option>
          {spanNames.map((name) => (
            <option key={name} value={name}>
              {name}
            </option>
          ))}
        </select>
        {operations.status === 'error' && <span className="field-error">{operations.error.message}</span>}
      </label>
      <fieldset>
        <legend>Attributes</legend>
        {attrs.map((attr, index) => (
          <AttributeFilterInput
            key={index}
            index={index}
            value={attr}
            suggestions={suggestions}
            otherKeys={attrs.filter((_, i) => i !== index).map((other) => splitFilter(other).key)}
            onChange={(value) => setAttrs(attrs.map((old, i) => (i === index ? value : old)))}
            onRemove={() => setAttrs(attrs.length === 1 ? [''] : attrs.filter((_, i) => i !== index))}
          />
        ))}
        <button type="button" className="link-button" onClick={() => setAttrs([...attrs, ''])}>
          + add attribute
        </button>
      </fieldset>
      <div className="row-2">
        <label>
          Min duration
          <input
            value={form.minDuration}
            onChange={(event) => update({ minDuration: event.target.value })}
            placeholder="100ms"
            name="minDuration"
          />
        </label>
        <label>
          Max duration
          <input
            value={form.maxDuration}
            onChange={(event) => update({ maxDuration: event.target.value })}
            placeholder="2s"
            name="maxDuration"
          />
        </label>
      </div>
      <label className="checkbox">
        <input
          type="checkbox"
          checked={form.errorsOnly}
          onChange={(event) => update({ errorsOnly: event.target.checked })}
          name="errorsOnly"
        />
        Errors only
      </label>
      <TimeRangeField range={{ lookback: form.lookback, start: form.start, end: form.end }} onChange={(range) => update(range)} />
      <label>
        Limit
        <select value={form.limit} onChange={(event) => update({ limit: Number(event.target.value) })} name="limit">
          {[...new Set([...LIMITS, form.limit])]
            .sort((a, b) => a - b)
            .map((limit) => (
              <option key={limit} value={limit}>
                {limit} traces
              </option>
            ))}
        </select>
      </label>
      <button type="submit" className="primary">
        Find traces
      </button>
      {onShowTraceQL && (
        <button
          type="button"
          className="link-button"
          onClick={() => onShowTraceQL({ ...form, attrs: attrs.filter((attr) => attr.trim() !== '') })}
        >
          Show as TraceQL
        </button>
      )}
    </form>
  );
}
