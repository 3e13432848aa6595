/**
 * TraceQL text in the browser: a tokenizer for highlighting and the completion context at the
 * cursor. It does not validate: the backend's parser (`/api/v1/traceql/parse`) is the one
 * authority on what a query means and where it is wrong; this only needs to colour text and to
 * know what kind of word is being typed.
 */

export type TokenKind =
  'string' | 'number' | 'duration' | 'keyword' | 'intrinsic' | 'attribute' | 'function' | 'operator' | 'brace' | 'space' | 'other';

export interface Token {
  kind: TokenKind;
  text: string;
  /** Offset of the first character in the query. */
  start: number;
}

/** Tempo's intrinsics (docs: "Intrinsic fields"), in both the short and the scoped spellings. */
export const INTRINSICS = [
  'name',
  'status',
  'statusMessage',
  'kind',
  'duration',
  'rootName',
  'rootServiceName',
  'traceDuration',
  'trace:id',
  'trace:rootName',
  'trace:rootService',
  'trace:duration',
  'span:id',
  'span:name',
  'span:status',
  'span:statusMessage',
  'span:kind',
  'span:duration',
  'span:parentID',
  'event:name',
  'event:timeSinceStart',
  'link:traceID',
  'link:spanID',
  'instrumentation:name',
  'instrumentation:version',
  'nestedSetLeft',
  'nestedSetRight',
  'nestedSetParent',
];

export const SCOPES = ['span.', 'resource.', 'event.', 'link.', 'instrumentation.', '.'];

const KEYWORDS = new Set([
  'true',
  'false',
  'nil',
  'error',
  'ok',
  'unset',
  'unspecified',
  'internal',
  'server',
  'client',
  'producer',
  'consumer',
  'by',
  'with',
]);

export const PIPELINE_FUNCTIONS = [
  'rate()',
  'count_over_time()',
  'quantile_over_time(duration, .99)',
  'histogram_over_time(duration)',
  'avg_over_time(duration)',
  'min_over_time(duration)',
  'max_over_time(duration)',
  'sum_over_time(duration)',
  'count()',
  'avg(duration)',
  'max(duration)',
  'min(duration)',
  'sum(duration)',
  'by()',
  'select()',
  'coalesce()',
  'compare({status = error})',
  'topk(5)',
  'bottomk(5)',
];

const FUNCTION_NAMES = new Set(PIPELINE_FUNCTIONS.map((f) => f.slice(0, f.indexOf('('))));
const OPERATORS = [
  '!~',
  '=~',
  '!=',
  '>=',
  '<=',
  '&&',
  '||',
  '>>',
  '<<',
  '!>',
  '!<',
  '&>',
  '&<',
  '~',
  '=',
  '>',
  '<',
  '!',
  '|',
  '+',
  '-',
  '*',
  '/',
  '%',
  '^',
  ',',
];
const INTRINSIC_SET = new Set(INTRINSICS);

/** Splits a query into tokens that cover every character (so the highlight lines up with the text). */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const push = (kind: TokenKind, end: number): void => {
    tokens.push({ kind, text: text.slice(i, end), start: i });
    i = end;
  };
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      let end = i + 1;
      while (end < text.length && /\s/.test(text[end]!)) end++;
      push('space', end);
    } else if (c === '"' || c === '`') {
      let end = i + 1;
      while (end < text.length && text[end] !== c) end += text[end] === '\\' && c === '"' ? 2 : 1;
      push('string', Math.min(text.length, end + 1));
    } else if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(text[i + 1] ?? ''))) {
      const match = /^(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|ms|s|m|h)?/.exec(text.slice(i))!;
      push(/[a-zµ]$/.test(match[0]) ? 'duration' : 'number', i + match[0].length);
    } else if (c === '{' || c === '}' || c === '(' || c === ')') {
      push('brace', i + 1);
    } else if (/[A-Za-z_.:]/.test(c)) {
      const end = identifierEnd(text, i);
      const word = text.slice(i, end);
      const scoped = /^(span|resource|event|link|instrumentation|scope)?\.\S*/.test(word) && word.includes('.');
      const kind: TokenKind = INTRINSIC_SET.has(word)
        ? 'intrinsic'
        : scoped
          ? 'attribute'
          : KEYWORDS.has(word)
            ? 'keyword'
            : FUNCTION_NAMES.has(word)
              ? 'function'
              : 'other';
      push(kind, end);
    } else {
      const op = OPERATORS.find((candidate) => text.startsWith(candidate, i));
      push(op === undefined ? 'other' : 'operator', i + (op?.length ?? 1));
    }
  }
  return tokens;
}

/** Attribute names run over letters, digits, `_ . : - /` (and a quoted part: `span."a b"`). */
function identifierEnd(text: string, start: number): number {
  let end = start;
  while (end < text.length) {
    const ch = text[end]!;
    if (/[\w.:\-/]/.test(ch)) end++;
    else if (ch === '"' && text[end - 1] === '.') {
      const close = text.indexOf('"', end + 1);
      end = close < 0 ? text.length : close + 1;
    } else break;
  }
  return end;
}

/** What the word at the cursor is, so the editor can offer the right suggestions. */
export type CompletionContext =
  /** A field name: scopes, intrinsics, or (with `scope`) attribute keys of that scope. */
  | { kind: 'field'; prefix: string; from: number; scope?: 'span' | 'resource' | 'none' }
  /** A value after `field op`: `tag` is the field as written, which is how the tag values API names it. */
  | { kind: 'value'; tag: string; prefix: string; from: number; quoted: boolean }
  /** After `|`: a pipeline or metrics function. */
  | { kind: 'function'; prefix: string; from: number }
  | { kind: 'none' };

/** The completion context at `cursor` (an offset into `text`). */
export function completionContext(text: string, cursor: number): CompletionContext {
  const before = text.slice(0, cursor);
  const open = before.lastIndexOf('{') > before.lastIndexOf('}');
  // A value: `<field> <op> <partial>` where the partial may be an open string.
  const value = /([\w.:\-/"]+)\s*(=|!=|=~|!~)\s*("[^"]*|[\w.\-:/]*)$/.exec(before);
  if (value && open) {
    const field = value[1]!;
    const partial = value[3]!;
    const quoted = partial.startsWith('"');
    const prefix = quoted ? partial.slice(1) : partial;
    // After an open quote the suggestion replaces what follows it (and closes the string).
    return { kind: 'value', tag: field, prefix, from: cursor - prefix.length, quoted };
  }
  const pipe = /\|\s*([\w]*)$/.exec(before);
  if (pipe && !open) return { kind: 'function', prefix: pipe[1]!, from: cursor - pipe[1]!.length };
  const word = /(?:^|[\s{(&|!])([\w.:\-/]*)$/.exec(before);
  if (!word || !open) return { kind: 'none' };
  const prefix = word[1]!;
  const from = cursor - prefix.length;
  const scoped = /^(span|resource)\.(.*)$/.exec(prefix);
  if (scoped) return { kind: 'field', prefix: scoped[2]!, from: from + scoped[1]!.length + 1, scope: scoped[1] as 'span' | 'resource' };
  if (prefix.startsWith('.')) return { kind: 'field', prefix: prefix.slice(1), from: from + 1, scope: 'none' };
  return { kind: 'field', prefix, from };
}

/** A value as TraceQL needs it written: strings quoted, enums and numbers bare. */
export function valueText(value: { type: string; value: string }): string {
  return value.type === 'string' ? JSON.stringify(value.value) : value.value;
}
