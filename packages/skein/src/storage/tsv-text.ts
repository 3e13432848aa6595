import { quoteString } from './sql-binding.js';

/**
 * TabSeparated field text. Why TabSeparated: it is the compact text format every engine we
 * support reads (18.16 has no JSONCompactEachRow), it carries no column names per row, and its
 * strings need escaping only for backslash and line/field separators, so both the bytes the engine
 * parses and the JS work to build them are a fraction of JSONEachRow's.
 */

const SPECIAL = /[\\\t\n\r\0]/;
const SPECIALS = /[\\\t\n\r\0]/g;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r', '\0': '\\0' };

/** A String field: backslash, tab, newline, CR and NUL escaped; everything else as UTF-8. */
export function tsvString(value: string): string {
  return SPECIAL.test(value) ? value.replace(SPECIALS, (c) => ESCAPES[c]!) : value;
}

// Exactly the characters quoteString escapes: control characters are the point of this pattern.
// eslint-disable-next-line no-control-regex
const QUOTE_SPECIAL = /[\\'\u0000-\u001f\u007f]/;

/**
 * One element of an Array(String) field (`['a','b']`): a quoted literal with every control
 * character escaped (`quoteString`), so no raw tab or newline can end the field early. Most
 * values need no escaping at all, and skip the character loop.
 */
export function tsvArrayElement(value: string): string {
  return QUOTE_SPECIAL.test(value) ? quoteString(value) : `'${value}'`;
}
