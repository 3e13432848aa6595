import { parseGoDuration } from '../../model/go-duration.js';
import type { Position } from './ast.js';
import { TraceQLParseError } from './errors.js';

/**
 * TraceQL tokens. Attribute names are lexed as one token after a scope prefix (`span.`,
 * `resource.`, `.` …): as in Tempo, a name runs until whitespace or one of `{}()=~!<>&|^,`, and
 * double-quoted parts (`span."a b".c`) may hold any character (`\"` and `\\` escaped).
 */
export type Token =
  | { kind: 'punct'; value: string; pos: Position }
  | { kind: 'ident'; value: string; pos: Position }
  /** `span:name` and friends: `scope` is the text before the colon. */
  | { kind: 'scopedIntrinsic'; scope: string; value: string; pos: Position }
  | { kind: 'attribute'; scope: string; value: string; pos: Position }
  | { kind: 'string'; value: string; pos: Position }
  | { kind: 'int'; value: bigint; text: string; pos: Position }
  | { kind: 'float'; value: number; text: string; pos: Position }
  | { kind: 'duration'; nanos: bigint; text: string; pos: Position }
  | { kind: 'eof'; pos: Position };

/** Longest first, so that `!>>` wins over `!>` and `!`. */
const PUNCTUATION = [
  '!>>',
  '!<<',
  '&>>',
  '&<<',
  '&&',
  '||',
  '!=',
  '=~',
  '!~',
  '>=',
  '<=',
  '>>',
  '<<',
  '!>',
  '!<',
  '&>',
  '&<',
  '&~',
  '{',
  '}',
  '(',
  ')',
  ',',
  '|',
  '!',
  '=',
  '>',
  '<',
  '~',
  '+',
  '-',
  '*',
  '/',
  '%',
  '^',
];

const ATTRIBUTE_SCOPES = new Set(['span', 'resource', 'event', 'link', 'instrumentation', 'parent']);
const INTRINSIC_SCOPES = new Set(['span', 'trace', 'event', 'link', 'instrumentation']);
const NAME_TERMINATORS = new Set(['{', '}', '(', ')', '=', '~', '!', '<', '>', '&', '|', '^', ',']);

const MAX_INT64 = 9223372036854775807n;

export function tokenize(text: string): Token[] {
  return new Lexer(text).run();
}

class Lexer {
  private offset = 0;
  private readonly tokens: Token[] = [];
  private readonly lineStarts: number[] = [0];

  constructor(private readonly text: string) {
    for (let i = 0; i < text.length; i++) if (text[i] === '\n') this.lineStarts.push(i + 1);
  }

  position(offset: number): Position {
    let line = 0;
    while (line + 1 < this.lineStarts.length && this.lineStarts[line + 1]! <= offset) line++;
    return { line: line + 1, column: offset - this.lineStarts[line]! + 1, offset };
  }

  private fail(offset: number, detail: string): never {
    throw new TraceQLParseError(this.position(offset), detail);
  }

  run(): Token[] {
    const t = this.text;
    while (this.offset < t.length) {
      const c = t[this.offset]!;
      if (/\s/.test(c)) {
        this.offset++;
      } else if (c === '"' || c === '`') {
        const start = this.offset;
        this.tokens.push({ kind: 'string', value: this.quoted(c), pos: this.position(start) });
      } else if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(t[this.offset + 1] ?? ''))) {
        this.number();
      } else if (c === '.') {
        const start = this.offset++;
        this.tokens.push({ kind: 'attribute', scope: 'none', value: this.attributeName(start), pos: this.position(start) });
      } else if (/[A-Za-z_]/.test(c)) {
        this.word();
      } else {
        const start = this.offset;
        const punct = PUNCTUATION.find((p) => t.startsWith(p, start));
        if (punct === undefined) this.fail(start, `unexpected character ${JSON.stringify(c)}`);
        this.offset += punct.length;
        this.tokens.push({ kind: 'punct', value: punct, pos: this.position(start) });
      }
    }
    this.tokens.push({ kind: 'eof', pos: this.position(t.length) });
    return this.tokens;
  }

  /** A string literal: Go-style escapes in double quotes, none in backquotes. */
  private quoted(quote: string): string {
    const start = this.offset++;
    let out = '';
    for (;;) {
      if (this.offset >= this.text.length) this.fail(start, `unterminated string: expected closing ${quote}`);
      const c = this.text[this.offset++]!;
      if (c === quote) return out;
      if (c !== '\\' || quote === '`') {
        out += c;
        continue;
      }
      out += this.escape(start);
    }
  }

  private escape(stringStart: number): string {
    const at = this.offset;
    const c = this.text[this.offset++];
    const simple: Record<string, string> = {
      n: '\n',
      t: '\t',
      r: '\r',
      '"': '"',
      '\\': '\\',
      "'": "'",
      a: '\x07',
      b: '\b',
      f: '\f',
      v: '\v',
    };
    if (c !== undefined && simple[c] !== undefined) return simple[c];
    const hexLength = c === 'x' ? 2 : c === 'u' ? 4 : c === 'U' ? 8 : 0;
    const hex = this.text.slice(this.offset, this.offset + hexLength);
    if (hexLength > 0 && hex.length === hexLength && /^[0-9a-fA-F]+$/.test(hex)) {
      this.offset += hexLength;
      const code = parseInt(hex, 16);
      if (code <= 0x10ffff) return String.fromCodePoint(code);
    }
    if (c === undefined) this.fail(stringStart, 'unterminated string: expected closing "');
    return this.fail(at - 1, `invalid escape sequence \\${c} in string`);
  }

  private number(): void {
    const t = this.text;
    const start = this.offset;
    // `.99` is a float (as Go's scanner reads it; Tempo's quantile examples use it).
    const match = /^(?:[0-9]*\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][+-]?[0-9]+)?/.exec(t.slice(start))!;
    let end = start + match[0].length;
    // A duration: number+unit, repeated (Go's time.ParseDuration form, `1h30m`, `1.5s`).
    const duration = /^(?:[0-9]+(?:\.[0-9]+)?(?:ns|us|µs|μs|ms|s|m|h))+/.exec(t.slice(start));
    if (duration !== null && duration[0].length > match[0].length) {
      end = start + duration[0].length;
      this.offset = end;
      if (end < t.length && /[A-Za-z0-9_.]/.test(t[end]!)) this.fail(end, `unexpected ${JSON.stringify(t[end])} after duration`);
      this.tokens.push({ kind: 'duration', nanos: this.durationNanos(start, duration[0]), text: duration[0], pos: this.position(start) });
      return;
    }
    this.offset = end;
    if (end < t.length && /[A-Za-z_]/.test(t[end]!))
      this.fail(end, `unexpected ${JSON.stringify(t[end])} after number: expected a duration unit (ns, us, ms, s, m, h)`);
    const text = match[0];
    if (/^[0-9]+$/.test(text)) {
      const value = BigInt(text);
      if (value > MAX_INT64 + 1n) this.fail(start, `integer ${text} is out of range`);
      this.tokens.push({ kind: 'int', value, text, pos: this.position(start) });
    } else {
      this.tokens.push({ kind: 'float', value: Number(text), text, pos: this.position(start) });
    }
  }

  private durationNanos(start: number, text: string): bigint {
    // The one Go-duration parser (model/go-duration.ts); the literal's form is already checked,
    // so its only error here is a value beyond int64 nanoseconds.
    const parsed = parseGoDuration(text);
    if ('error' in parsed) this.fail(start, `duration ${text} is out of range`);
    return parsed.value;
  }

  private word(): void {
    const t = this.text;
    const start = this.offset;
    const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(t.slice(start))![0];
    this.offset += word.length;
    const next = t[this.offset];
    if (next === '.' && ATTRIBUTE_SCOPES.has(word)) {
      this.offset++;
      this.tokens.push({ kind: 'attribute', scope: word, value: this.attributeName(start), pos: this.position(start) });
    } else if (next === ':' && INTRINSIC_SCOPES.has(word)) {
      this.offset++;
      const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(t.slice(this.offset));
      if (name === null) this.fail(this.offset, `expected an intrinsic name after "${word}:"`);
      this.offset += name[0].length;
      this.tokens.push({ kind: 'scopedIntrinsic', scope: word, value: name[0], pos: this.position(start) });
    } else {
      this.tokens.push({ kind: 'ident', value: word, pos: this.position(start) });
    }
  }

  /** The attribute name after a scope prefix, up to a terminator; quoted parts taken literally. */
  private attributeName(start: number): string {
    const t = this.text;
    let name = '';
    while (this.offset < t.length) {
      const c = t[this.offset]!;
      if (c === '"') {
        const open = this.offset++;
        for (;;) {
          if (this.offset >= t.length) this.fail(open, 'unterminated quoted attribute name: expected closing "');
          const q = t[this.offset++]!;
          if (q === '"') break;
          if (q === '\\') {
            const e = t[this.offset++];
            if (e !== '"' && e !== '\\') this.fail(this.offset - 2, 'only \\" and \\\\ escapes are allowed in a quoted attribute name');
            name += e;
          } else {
            name += q;
          }
        }
      } else if (/\s/.test(c) || NAME_TERMINATORS.has(c)) {
        break;
      } else {
        name += c;
        this.offset++;
      }
    }
    if (name === '') this.fail(start, 'expected an attribute name after the scope');
    return name;
  }
}
