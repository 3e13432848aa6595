/**
 * The logfmt of Tempo's `tags` parameter (`service.name=cart "http.url"="/a b" error`): keys and
 * values separated by `=`, pairs by spaces, double-quoted strings with backslash escapes, a key
 * without `=` has the empty value (go-logfmt's rules). A key given twice is an error, as in Tempo.
 */
export function* parseLogfmt(text: string, error: (message: string) => Error): Generator<[string, string]> {
  const seen = new Set<string>();
  let i = 0;
  const readToken = (stopAtEquals: boolean): string => {
    if (text[i] === '"') {
      const start = i;
      i++;
      let out = '';
      while (i < text.length && text[i] !== '"') {
        if (text[i] === '\\' && i + 1 < text.length) {
          const next = text[i + 1]!;
          out += next === 'n' ? '\n' : next === 't' ? '\t' : next;
          i += 2;
        } else out += text[i++];
      }
      if (i >= text.length) throw error(`unterminated quoted value at pos ${start + 1}`);
      i++;
      return out;
    }
    const start = i;
    while (i < text.length && text[i] !== ' ' && !(stopAtEquals && text[i] === '=')) {
      if (text[i] === '"') throw error(`unexpected '"' at pos ${i + 1}`);
      i++;
    }
    return text.slice(start, i);
  };
  while (i < text.length) {
    if (text[i] === ' ' || text[i] === '\t' || text[i] === '\n') {
      i++;
      continue;
    }
    if (text[i] === '=') throw error(`unexpected '=' at pos ${i + 1}`);
    const key = readToken(true);
    let value = '';
    if (text[i] === '=') {
      i++;
      value = i < text.length && text[i] !== ' ' ? readToken(false) : '';
    }
    if (seen.has(key)) throw error(`tag ${key} has been set twice`);
    seen.add(key);
    yield [key, value];
  }
}
