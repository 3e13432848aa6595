import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AnyValue, KeyValue } from '../../src/model/span.js';
import { attributesFromColumns, attributeTsvFields } from '../../src/storage/attribute-columns.js';
import { tsvArrayElement, tsvString } from '../../src/storage/tsv-text.js';

/** Reads back what attributeTsvFields wrote, as the engine would (quoted literals inside `[...]`). */
function parseFields(text: string): { keys: string[]; types: string; values: string[] } {
  const [keys, types, values] = text.split('\t');
  const parse = (array: string): string[] =>
    array === '[]'
      ? []
      : (JSON.parse(`[${array.slice(1, -1).replace(/'((?:[^'\\]|\\.)*)'/g, (_m, s: string) => JSON.stringify(unquote(s)))}]`) as string[]);
  return { keys: parse(keys!), types: types!, values: parse(values!) };
}

function unquote(s: string): string {
  return s.replace(/\\(x[0-9a-f]{2}|.)/g, (_m, e: string) => {
    if (e.startsWith('x')) return String.fromCharCode(parseInt(e.slice(1), 16));
    return ({ n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', '0': '\0' } as Record<string, string>)[e] ?? e;
  });
}

test('attributes: every value type round-trips through the typed columns', () => {
  const values: AnyValue[] = [
    's',
    '',
    true,
    false,
    42n,
    -9223372036854775808n,
    3.25,
    -0,
    NaN,
    Infinity,
    5e-324,
    new Uint8Array([0, 255]),
    ['a', 1n],
    { kvlist: [{ key: 'k', value: null }] },
    null,
  ];
  const attributes: KeyValue[] = values.map((value, i) => ({ key: `k${i} it's\t`, value }));
  const fields = attributeTsvFields(attributes);
  assert.equal(fields.split('\t').length, 3, 'no raw tab inside a field');
  assert.ok(!fields.includes('\n'));
  const { keys, types, values: texts } = parseFields(fields);
  assert.equal(types, 'ssbbiidzdddyakn');
  assert.deepStrictEqual(attributesFromColumns(keys, types, texts), attributes);
  // The stored text is the search form: -0 searches as "0", ints in decimal, booleans as words.
  assert.deepStrictEqual(texts.slice(2, 8), ['true', 'false', '42', '-9223372036854775808', '3.25', '0']);
});

test('attributes: no attributes, and columns that disagree are refused', () => {
  assert.equal(attributeTsvFields([]), '[]\t\t[]');
  assert.deepStrictEqual(attributesFromColumns([], '', []), []);
  assert.throws(() => attributesFromColumns(['a'], 'ss', ['x']), /disagree/);
  assert.throws(() => attributesFromColumns(['a'], '?', ['x']), /unknown attribute type tag/);
});

test('TSV text: separators and backslashes escaped, the rest untouched', () => {
  assert.equal(tsvString('plain ☃'), 'plain ☃');
  assert.equal(tsvString('a\tb\nc\\d\re\0f'), 'a\\tb\\nc\\\\d\\re\\0f');
  assert.equal(tsvArrayElement("it's"), "'it\\'s'");
  assert.equal(tsvArrayElement('ok'), "'ok'");
  assert.equal(tsvArrayElement('x\u0001'), "'x\\x01'");
});
