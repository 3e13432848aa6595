/**
 * SQL text as the OpenTelemetry database conventions want it in `db.query.text`: every literal
 * replaced by `?` (so values such as card numbers or e-mail addresses never reach the tracing
 * backend), comments dropped, identifiers and placeholders kept. A small scanner rather than a
 * regular expression, because quotes decide what is a literal: `'it''s 42'` is one string, `"t1"`
 * and `[order 2]` are identifiers, and `x1` or `?2` contain digits that are not numbers.
 */
export function sanitizeSql(sql: string): string {
  let out = '';
  let i = 0;
  const isWordChar = (ch: string | undefined): boolean => ch !== undefined && /[\w$]/.test(ch);
  while (i < sql.length) {
    const ch = sql[i]!;
    const next = sql[i + 1];
    if (ch === '-' && next === '-') {
      while (i < sql.length && sql[i] !== '\n') i++;
      continue;
    }
    if (ch === '/' && next === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? sql.length : end + 2;
      out += ' ';
      continue;
    }
    if (ch === "'" || ((ch === 'x' || ch === 'X') && next === "'" && !isWordChar(sql[i - 1]))) {
      // A string or X'..' blob literal; '' inside is an escaped quote.
      i += ch === "'" ? 1 : 2;
      for (;;) {
        if (i >= sql.length) break;
        if (sql[i] === "'") {
          if (sql[i + 1] === "'") i += 2;
          else {
            i++;
            break;
          }
        } else i++;
      }
      out += '?';
      continue;
    }
    if (ch === '"' || ch === '`' || ch === '[') {
      const close = ch === '[' ? ']' : ch;
      const end = sql.indexOf(close, i + 1);
      const stop = end < 0 ? sql.length : end + 1;
      out += sql.slice(i, stop);
      i = stop;
      continue;
    }
    const startsNumber = /\d/.test(ch) || (ch === '.' && next !== undefined && /\d/.test(next));
    if (startsNumber && !isWordChar(sql[i - 1]) && sql[i - 1] !== '?' && sql[i - 1] !== '.') {
      const match = /^(?:0x[0-9a-f]+|\d*\.?\d+(?:e[+-]?\d+)?)/i.exec(sql.slice(i));
      i += match === null ? 1 : match[0].length;
      out += '?';
      continue;
    }
    if (isWordChar(ch)) {
      // Copy a whole word so digits inside identifiers (t1, col_2) stay as they are.
      const match = /^[\w$]+/.exec(sql.slice(i))!;
      out += match[0];
      i += match[0].length;
      continue;
    }
    out += ch;
    i++;
  }
  return out.replace(/\s+/g, ' ').trim();
}

/** `db.operation.name`: the statement's first keyword, upper case (SELECT, INSERT, …). */
export function sqlOperationName(sql: string): string | undefined {
  return /^\s*(?:WITH\b[\s\S]*?\)\s*)?([a-z]+)/i.exec(sql)?.[1]?.toUpperCase();
}

/**
 * `db.collection.name`: the table a statement works on, only when there is exactly one (the
 * conventions leave it out for joins and multi-table statements rather than guess).
 */
export function sqlCollectionName(sql: string): string | undefined {
  const tables = new Set<string>();
  for (const match of sanitizeSql(sql).matchAll(/\b(?:FROM|INTO|UPDATE|JOIN)\s+["`[]?([\w$.]+)/gi)) tables.add(match[1]!);
  return tables.size === 1 ? [...tables][0] : undefined;
}
