/**
 * Replaces the literals of a SQL statement by `?`, keeping keywords, identifiers, placeholders and
 * comments, so `db.statement` / `db.query.text` keep their shape (for grouping) without the data.
 *
 * A hand-written scanner rather than regexes, because what is a literal depends on context: digits
 * inside `table1` or a quoted identifier are not numbers, a `'` inside a comment or a `"..."`
 * identifier opens nothing. Handled: '…' strings with '' and \' escapes (a backslash is taken as
 * an escape, as MySQL does: where it is not, the scan only masks more, never leaks), E'…', N'…',
 * X'…', B'…' prefixes, PostgreSQL $tag$…$tag$ strings, integers, decimals, exponents, hex;
 * `$1`, `?`, `:name`, `@var` placeholders stay. `IN (?, ?, ?)` collapses to `IN (?)` so statements
 * differing only in list length group together. An unterminated string is masked to the end.
 */
export function stripSqlLiterals(sql: string): string {
  const n = sql.length;
  let out = '';
  let i = 0;
  let copyFrom = 0;
  const flushTo = (end: number) => {
    if (end > copyFrom) out += sql.slice(copyFrom, end);
  };
  while (i < n) {
    const c = sql.charCodeAt(i);
    if (c === QUOTE) {
      flushTo(i);
      i = endOfQuoted(sql, i, QUOTE, true);
      out += '?';
      copyFrom = i;
    } else if (c === DOUBLE_QUOTE || c === BACKTICK) {
      i = endOfQuoted(sql, i, c, false);
    } else if (c === DASH && sql.charCodeAt(i + 1) === DASH) {
      const end = sql.indexOf('\n', i);
      i = end < 0 ? n : end;
    } else if (c === SLASH && sql.charCodeAt(i + 1) === STAR) {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? n : end + 2;
    } else if (c === DOLLAR) {
      const dollarQuote = /\$([A-Za-z_][A-Za-z0-9_]*)?\$/y;
      dollarQuote.lastIndex = i;
      const open = dollarQuote.exec(sql);
      if (open) {
        flushTo(i);
        const close = sql.indexOf(open[0], i + open[0].length);
        i = close < 0 ? n : close + open[0].length;
        out += '?';
        copyFrom = i;
      } else {
        // `$1` bind placeholders are kept whole, digits included.
        i++;
        while (i < n && isDigit(sql.charCodeAt(i))) i++;
      }
    } else if (isIdentifierStart(c)) {
      const start = i;
      while (i < n && isIdentifierPart(sql.charCodeAt(i))) i++;
      if (i - start === 1 && sql.charCodeAt(i) === QUOTE && LITERAL_PREFIXES.has(c)) {
        flushTo(start);
        i = endOfQuoted(sql, i, QUOTE, true);
        out += '?';
        copyFrom = i;
      }
    } else if (isDigit(c) || (c === DOT && isDigit(sql.charCodeAt(i + 1)))) {
      flushTo(i);
      i = endOfNumber(sql, i);
      out += '?';
      copyFrom = i;
    } else {
      i++;
    }
  }
  flushTo(n);
  return out.replace(IN_LIST, 'IN (?)');
}

const QUOTE = 39;
const DOUBLE_QUOTE = 34;
const BACKTICK = 96;
const BACKSLASH = 92;
const DASH = 45;
const SLASH = 47;
const STAR = 42;
const DOLLAR = 36;
const DOT = 46;
/** E'…' (escape string), N'…' (national), X'…' / B'…' (hex, bit), U&'…' is left to the quote rule. */
const LITERAL_PREFIXES = new Set(['e', 'E', 'n', 'N', 'x', 'X', 'b', 'B'].map((letter) => letter.charCodeAt(0)));
const IN_LIST = /\bIN\s*\(\s*\?(?:\s*,\s*\?)*\s*\)/gi;

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isIdentifierStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c > 127;
}

function isIdentifierPart(c: number): boolean {
  return isIdentifierStart(c) || isDigit(c) || c === DOLLAR;
}

/** Index just past the closing quote (a doubled quote is an escaped one), or the end of text. */
function endOfQuoted(sql: string, open: number, quote: number, backslashEscapes: boolean): number {
  const n = sql.length;
  let i = open + 1;
  while (i < n) {
    const c = sql.charCodeAt(i);
    if (backslashEscapes && c === BACKSLASH) {
      i += 2;
    } else if (c === quote) {
      if (sql.charCodeAt(i + 1) !== quote) return i + 1;
      i += 2;
    } else {
      i++;
    }
  }
  return n;
}

function endOfNumber(sql: string, start: number): number {
  const n = sql.length;
  let i = start;
  if (sql.charCodeAt(i) === 48 && (sql[i + 1] === 'x' || sql[i + 1] === 'X')) {
    i += 2;
    while (i < n && /[0-9a-fA-F]/.test(sql[i]!)) i++;
    return i;
  }
  while (i < n && isDigit(sql.charCodeAt(i))) i++;
  if (sql.charCodeAt(i) === DOT) {
    i++;
    while (i < n && isDigit(sql.charCodeAt(i))) i++;
  }
  if ((sql[i] === 'e' || sql[i] === 'E') && /[+-]?\d/y.test(sql.slice(i + 1, i + 3))) {
    i++;
    if (sql[i] === '+' || sql[i] === '-') i++;
    while (i < n && isDigit(sql.charCodeAt(i))) i++;
  }
  return i;
}
