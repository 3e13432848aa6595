/**
 * Membership and position in the attribute arrays, written once for every reader.
 *
 * Why not plain `has` / `indexOf`: on an `Array(LowCardinality(String))` (attribute keys since
 * schema v3, values since v16) chDB 26.7's `has`, `indexOf` and `countEqual` never find the empty
 * string, the dictionary's default value, while `hasAny`, `arrayExists` and `arrayFirstIndex` do
 * (checked on a MergeTree column and on a constant array). An attribute key '' is legal OTLP, so
 * a span stored with one must be found like any other. `indexOf` stays for every other key: it
 * needs no lambda, and the group-by readers evaluate it per stored row.
 */

/** `array` contains the bound string `bound` (any value, '' included). */
export function arrayHasSql(array: string, bound: string): string {
  return `hasAny(${array}, [${bound}])`;
}

/**
 * 1-based position of `value` (bound as `bound`) in `array`, 0 when absent. `value` is the
 * unbound string, known when the statement is built: it picks the form that finds ''.
 */
export function arrayIndexSql(array: string, bound: string, value: string): string {
  return value === '' ? `arrayFirstIndex(x -> x = ${bound}, ${array})` : `indexOf(${array}, ${bound})`;
}

/**
 * Attribute `key` (bound as `bound`) of a span or resource row as two columns, `<alias>_v` (its
 * string rendering, '' when absent) and `<alias>_t` (its type tag, '' when absent).
 */
export function attributeValueColumnsSql(bound: string, key: string, alias: string): string {
  const index = arrayIndexSql('attr_keys', bound, key);
  return `arrayElement(attr_values, ${index}) AS ${alias}_v, if(${index} = 0, '', substring(attr_types, ${index}, 1)) AS ${alias}_t`;
}
