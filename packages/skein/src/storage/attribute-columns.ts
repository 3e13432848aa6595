import { anyValueFromOtlpJson, attributeSearchValue } from '../model/otlp-json.js';
import type { AnyValue, KeyValue } from '../model/span.js';
import type { RowBinaryBuffer } from './row-binary.js';
import { tsvArrayElement, tsvString } from './tsv-text.js';

/**
 * Attributes as three parallel columns instead of OTLP JSON text: `attr_keys Array(String)`,
 * `attr_values Array(String)` and `attr_types String` (one type tag character per attribute).
 *
 * Why: the value text is exactly the form search matches against (`attributeSearchValue`), so
 * search, autocompletion and the lossless read use the same columns and nothing is stored twice;
 * the tag makes the value's OTLP type come back exactly. Tags:
 *   s string · b bool · i int64 · d double · z double −0 (its search text is "0") · y bytes (base64)
 *   a array · k kvlist (both as compact OTLP JSON) · n empty value
 */
function typeTag(value: AnyValue): string {
  switch (typeof value) {
    case 'string':
      return 's';
    case 'boolean':
      return 'b';
    case 'bigint':
      return 'i';
    case 'number':
      return Object.is(value, -0) ? 'z' : 'd';
    default:
      break;
  }
  if (value === null) return 'n';
  if (value instanceof Uint8Array) return 'y';
  return Array.isArray(value) ? 'a' : 'k';
}

/**
 * The three columns as TabSeparated fields (`keys<TAB>types<TAB>values`), built in one pass
 * without intermediate arrays: this runs for every attribute of every span written.
 */
export function attributeTsvFields(attributes: readonly KeyValue[]): string {
  if (attributes.length === 0) return '[]\t\t[]';
  let keys = '[';
  let values = '[';
  let types = '';
  for (let i = 0; i < attributes.length; i++) {
    const { key, value } = attributes[i]!;
    const sep = i === 0 ? '' : ',';
    keys += sep + tsvArrayElement(key);
    values += sep + tsvArrayElement(attributeSearchValue(value));
    types += typeTag(value);
  }
  return `${keys}]\t${types}\t${values}]`;
}

/** The same three columns as {@link attributeTsvFields}, in RowBinary (`keys`, `types`, `values`). */
export function writeAttributeColumns(out: RowBinaryBuffer, attributes: readonly KeyValue[]): void {
  const count = attributes.length;
  out.arrayLength(count);
  let types = '';
  for (let i = 0; i < count; i++) {
    const { key, value } = attributes[i]!;
    out.string(key);
    types += typeTag(value);
  }
  out.string(types);
  out.arrayLength(count);
  for (let i = 0; i < count; i++) out.string(attributeSearchValue(attributes[i]!.value));
}

/** Thrown for a stored row whose attribute columns do not decode (corruption, not user input). */
export class AttributeDecodeError extends Error {
  override readonly name = 'AttributeDecodeError';
}

function valueFromText(tag: string, text: string): AnyValue {
  switch (tag) {
    case 's':
      return text;
    case 'b':
      return text === 'true';
    case 'i':
      return BigInt(text);
    case 'd':
      // JS prints doubles in the shortest form that reads back to the same bits (NaN, ±Infinity too).
      return Number(text);
    case 'z':
      return -0;
    case 'y':
      return new Uint8Array(Buffer.from(text, 'base64'));
    case 'a':
    case 'k':
      return anyValueFromOtlpJson(JSON.parse(text), 'attribute');
    case 'n':
      return null;
    default:
      throw new AttributeDecodeError(`unknown attribute type tag ${JSON.stringify(tag)}`);
  }
}

export function attributesFromColumns(keys: readonly string[], types: string, values: readonly string[]): KeyValue[] {
  if (keys.length !== values.length || keys.length !== types.length) {
    throw new AttributeDecodeError(`attribute columns disagree: ${keys.length} keys, ${types.length} types, ${values.length} values`);
  }
  const out: KeyValue[] = new Array(keys.length);
  for (let i = 0; i < keys.length; i++) out[i] = { key: keys[i]!, value: valueFromText(types[i]!, values[i]!) };
  return out;
}

/**
 * One AnyValue (a log body) as two TabSeparated fields, `tag<TAB>text`: the attribute encoding
 * for a single value, so the body's text column is exactly what a body search matches.
 */
export function anyValueTsvFields(value: AnyValue): string {
  return `${typeTag(value)}\t${tsvString(attributeSearchValue(value))}`;
}

/** The value {@link anyValueTsvFields} stored ('' tag: the empty value). */
export function anyValueFromColumns(tag: string, text: string): AnyValue {
  return tag === '' ? null : valueFromText(tag, text);
}
