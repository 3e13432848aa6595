import { useState, type FormEvent, type ReactNode } from 'react';
import { api } from '../api/client';
import { LOOKBACK_PRESETS, type SearchForm as Form } from '../model/search-state';
import { useAsync, type AsyncState } from '../use-async';

interface Props {
  initial: Form;
  services: AsyncState<string[]>;
  onSubmit(form: Form): void;
}

const LIMITS = [20, 50, 100, 500];

export function SearchForm({ initial, services, onSubmit }: Props): ReactNode {
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
  const attrInvalid = (attr: string): boolean => attr.trim() !== '' && !/^[^=]+=/.test(attr.trim());

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
          <div className="attr-row" key={index}>
            <input
              value={attr}
              placeholder="http.route=/checkout"
              aria-label={`Attribute filter ${index + 1}`}
              aria-invalid={attrInvalid(attr)}
              className={attrInvalid(attr) ? 'invalid' : ''}
              spellCheck={false}
              onChange={(event) => setAttrs(attrs.map((old, i) => (i === index ? event.target.value : old)))}
            />
            <button
              type="button"
              className="icon-button small"
              aria-label={`Remove attribute filter ${index + 1}`}
              onClick={() => setAttrs(attrs.length === 1 ? [''] : attrs.filter((_, i) => i !== index))}
            >
              ×
            </button>
          </div>
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
      <div className="field">
        <span>Lookback</span>
        <div className="segmented" role="radiogroup" aria-label="Lookback">
          {LOOKBACK_PRESETS.map((preset) => (
            <button
              key={preset}
              type="button"
              role="radio"
              aria-checked={form.lookback === preset}
              className={form.lookback === preset ? 'selected' : ''}
              onClick={() => update({ lookback: preset })}
            >
              {preset}
            </button>
          ))}
        </div>
      </div>
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
    </form>
  );
}
