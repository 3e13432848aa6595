import type { ReactNode } from 'react';
import type { RankedValue, RankingResponse } from '../api/analysis-schemas';

function share(value: number): string {
  const p = value * 100;
  return `${p > 0 && p < 1 ? p.toFixed(1) : Math.round(p)} %`;
}

/** Two bars per value: its share of the selection and of the baseline. */
function ShareBars({ value }: { value: RankedValue }): ReactNode {
  return (
    <div className="share-bars" aria-hidden="true">
      <span className="selection" style={{ width: `${value.selectionShare * 100}%` }} />
      <span className="baseline" style={{ width: `${value.baselineShare * 100}%` }} />
    </div>
  );
}

/**
 * The attribute ranking: which attributes' values are distributed differently in the selection
 * than in the rest. Likely causes (significant, see the API's `measure`) first and marked; every
 * value can be added to the filter with one click.
 */
export function RankingPanel({
  ranking,
  onFilter,
  maxAttributes = 12,
}: {
  ranking: RankingResponse;
  onFilter(attribute: string, value: RankedValue): void;
  maxAttributes?: number;
}): ReactNode {
  const causes = ranking.attributes.filter((a) => a.significant);
  const sampled = ranking.selection.sample.rate < 1 || ranking.baseline.sample.rate < 1;
  return (
    <div className="ranking">
      <p className="ranking-summary">
        <strong>{ranking.selection.spans.toLocaleString('en')}</strong> selected spans against{' '}
        <strong>{ranking.baseline.spans.toLocaleString('en')}</strong> others
        {sampled && (
          <span className="muted">
            {' '}
            (a sample of {ranking.selection.sample.populationSpans.toLocaleString('en')} and{' '}
            {ranking.baseline.sample.populationSpans.toLocaleString('en')})
          </span>
        )}
        .{' '}
        {causes.length === 0 ? (
          <span className="no-cause">No attribute explains the selection: no value is significantly over- or under-represented.</span>
        ) : (
          <span>
            {causes.length} attribute{causes.length === 1 ? '' : 's'} differ{causes.length === 1 ? 's' : ''} significantly.
          </span>
        )}
      </p>
      <ol className="ranked-attributes">
        {ranking.attributes.slice(0, maxAttributes).map((attribute) => (
          <li key={attribute.attribute} className={attribute.significant ? 'significant' : ''}>
            <div className="attribute-head">
              <span className="attribute-name mono">{attribute.attribute}</span>
              {attribute.significant && <span className="badge cause">likely cause</span>}
              {attribute.compared === 'ranges' && <span className="muted small">numeric, in ranges</span>}
              <span className="muted small right">
                {attribute.distinctValues.toLocaleString('en')} {attribute.distinctValues === 1 ? 'value' : 'values'}
              </span>
            </div>
            <table className="ranked-values">
              <tbody>
                {attribute.values.slice(0, 3).map((value) => (
                  <tr key={value.value} className={value.significant ? 'significant' : ''}>
                    <td className="ranked-value">
                      {value.kind === 'other' ? (
                        <em>{value.value}</em>
                      ) : (
                        <button
                          type="button"
                          className="link-button"
                          title="Add to the filter"
                          onClick={() => onFilter(attribute.attribute, value)}
                        >
                          {value.kind === 'missing' ? <em>{value.value}</em> : value.value}
                        </button>
                      )}
                    </td>
                    <td className="bars">
                      <ShareBars value={value} />
                    </td>
                    <td className="num small">
                      <span className="selection-text">{share(value.selectionShare)}</span> vs {share(value.baselineShare)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </li>
        ))}
      </ol>
      <p className="muted small measure" title={ranking.measure}>
        Measure: difference of proportions, significant at α = 0.05 after correcting for {ranking.comparisons} comparisons.
      </p>
    </div>
  );
}
