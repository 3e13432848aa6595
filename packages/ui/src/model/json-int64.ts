/**
 * `JSON.parse` turns integers beyond 2^53 into rounded doubles. OTLP JSON should quote int64
 * values (times, intValue), but some exporters write bare numbers: before parsing, every bare
 * integer literal of 16 or more digits outside a string is turned into a string literal, so not
 * a digit of a nanosecond timestamp is lost. Text without such a run is parsed as it is.
 */
const LONG_DIGIT_RUN = /\d{16}/;

export function parseJsonKeepingInt64(text: string): unknown {
  return JSON.parse(LONG_DIGIT_RUN.test(text) ? quoteLongIntegers(text) : text);
}

function quoteLongIntegers(text: string): string {
  let out = '';
  let copied = 0;
  let i = 0;
  while (i < text.length) {
    const char = text[i]!;
    if (char === '"') {
      // Skip the string literal, honouring escapes.
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
      i++;
      continue;
    }
    if (char === '-' || (char >= '0' && char <= '9')) {
      const start = i;
      i++;
      while (i < text.length && text[i]! >= '0' && text[i]! <= '9') i++;
      const next = text[i];
      const digits = i - start - (char === '-' ? 1 : 0);
      if (next !== '.' && next !== 'e' && next !== 'E' && digits >= 16) {
        out += `${text.slice(copied, start)}"${text.slice(start, i)}"`;
        copied = i;
      } else {
        // The rest of a fraction or exponent is not an integer of its own.
        while (i < text.length && /[0-9eE.+-]/.test(text[i]!)) i++;
      }
      continue;
    }
    i++;
  }
  return copied === 0 ? text : out + text.slice(copied);
}
