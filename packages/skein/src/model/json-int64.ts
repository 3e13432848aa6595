/**
 * `JSON.parse` turns integers beyond 2^53 into rounded doubles. OTLP JSON senders should quote
 * int64 values, but some send bare numbers; before parsing, this rewrites every bare integer
 * literal of 16+ digits (outside strings) into a string literal so no digit is lost.
 * The scan only runs when such a digit run exists at all, so well-behaved bodies pay one regex test.
 */
const LONG_DIGIT_RUN = /\d{16}/;

export function parseJsonPreservingInt64(text: string): unknown {
  return JSON.parse(LONG_DIGIT_RUN.test(text) ? quoteLongIntegers(text) : text);
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const MINUS = 0x2d;

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function quoteLongIntegers(text: string): string {
  let out = '';
  let copiedUpTo = 0;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      // Skip the string literal, honouring escapes.
      i++;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === BACKSLASH) i += 2;
        else if (d === QUOTE) break;
        else i++;
      }
      i++;
      continue;
    }
    if (isDigit(c) || c === MINUS) {
      const start = i;
      i++;
      while (i < n && isDigit(text.charCodeAt(i))) i++;
      const next = i < n ? text.charCodeAt(i) : 0;
      const isInteger = next !== 0x2e && next !== 0x65 && next !== 0x45; // not '.', 'e', 'E'
      const digits = i - start - (c === MINUS ? 1 : 0);
      if (isInteger && digits >= 16) {
        out += text.slice(copiedUpTo, start) + '"' + text.slice(start, i) + '"';
        copiedUpTo = i;
      } else {
        // Skip the rest of a non-integer number so its exponent digits are not re-scanned.
        while (i < n && /[0-9eE.+-]/.test(text[i]!)) i++;
      }
      continue;
    }
    i++;
  }
  return copiedUpTo === 0 ? text : out + text.slice(copiedUpTo);
}
