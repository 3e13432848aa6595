import { Fragment, type ReactNode } from 'react';
import type { KeyValue } from '../api/schemas';
import { describeValue } from '../model/format';

/** Attributes with their OTLP type shown: `"7"` and `7` are different values in a trace. */
export function AttributeTable({
  attributes,
  dropped = 0,
  empty = 'none',
}: {
  attributes: KeyValue[];
  dropped?: number;
  empty?: string;
}): ReactNode {
  if (attributes.length === 0 && dropped === 0) return <div className="muted small">{empty}</div>;
  return (
    <table className="attrs">
      <tbody>
        {attributes.map((attribute, index) => {
          const { type, text } = describeValue(attribute.value);
          return (
            <tr key={`${attribute.key}:${index}`}>
              <th scope="row" className="mono" title={attribute.key}>
                <KeyText text={attribute.key} />
              </th>
              <td>
                <span className={`value mono type-${type}`}>{text}</span>
                <span className="type-tag">{type}</span>
              </td>
            </tr>
          );
        })}
        {dropped > 0 && (
          <tr>
            <td colSpan={2} className="muted small">
              {dropped} attribute{dropped === 1 ? '' : 's'} dropped by the SDK
            </td>
          </tr>
        )}
      </tbody>
    </table>
  );
}

/**
 * An attribute key that wraps only after its separators (`http.response.` / `status_code`), never
 * mid-word, unless one segment alone is wider than the column.
 */
function KeyText({ text }: { text: string }): ReactNode {
  const parts = text.split(/(?<=[._/-])/);
  // <wbr> between the pieces, not inside them: each piece stays one box on screen.
  return parts.map((part, index) => (
    <Fragment key={index}>
      <span>{part}</span>
      {index < parts.length - 1 && <wbr />}
    </Fragment>
  ));
}
