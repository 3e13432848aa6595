import type { AttributeKey, AttributeValue } from '../api/schemas';

/**
 * Autocompletion for the attribute filters (`key=value`). The API lists attribute keys and the
 * values of one key, most frequent first; these functions decide what of that to offer for what
 * has been typed so far, without asking the API again on every keystroke.
 */

export interface KeySuggestion {
  key: string;
  /** Where the key was seen: a span attribute, a resource attribute, or both. */
  scopes: ('span' | 'resource')[];
  count: number;
}

/** A filter being typed: the key, and the value once there is an `=` (values may contain `=`). */
export function splitFilter(text: string): { key: string; value: string | undefined } {
  const eq = text.indexOf('=');
  return eq < 0 ? { key: text.trim(), value: undefined } : { key: text.slice(0, eq).trim(), value: text.slice(eq + 1) };
}

/**
 * How well `candidate` matches `typed`, case-insensitively: 0 for a prefix, 1 for a match at a
 * word start (after `.`, `_`, `-`, `/`, space), 2 for any other substring, undefined for none.
 */
export function matchRank(candidate: string, typed: string): number | undefined {
  if (typed === '') return 0;
  const haystack = candidate.toLowerCase();
  const needle = typed.toLowerCase();
  const at = haystack.indexOf(needle);
  if (at < 0) return undefined;
  if (at === 0) return 0;
  let from = at;
  // A later occurrence may sit at a word start even when the first does not.
  while (from >= 0) {
    if (/[._\-/ :]/.test(haystack[from - 1] ?? '')) return 1;
    from = haystack.indexOf(needle, from + 1);
  }
  return 2;
}

function rankAndTrim<T>(items: readonly T[], text: (item: T) => string, typed: string, limit: number): T[] {
  const ranked: { item: T; rank: number; index: number }[] = [];
  items.forEach((item, index) => {
    const rank = matchRank(text(item), typed);
    if (rank !== undefined) ranked.push({ item, rank, index });
  });
  // Better matches first; within a rank the API's order (most frequent first) stands.
  ranked.sort((a, b) => a.rank - b.rank || a.index - b.index);
  return ranked.slice(0, limit).map((entry) => entry.item);
}

/**
 * Keys to offer for `typed`. A key seen both on spans and on resources is offered once (search
 * matches either); keys already used by another filter go last, since repeating one narrows to
 * spans carrying both values, which is rarely meant.
 */
export function suggestKeys(keys: readonly AttributeKey[], typed: string, used: readonly string[] = [], limit = 12): KeySuggestion[] {
  const merged = new Map<string, KeySuggestion>();
  for (const { key, scope, count } of keys) {
    const existing = merged.get(key);
    if (existing) {
      if (!existing.scopes.includes(scope)) existing.scopes.push(scope);
      existing.count += count;
    } else merged.set(key, { key, scopes: [scope], count });
  }
  const usedSet = new Set(used);
  const ordered = [...merged.values()].sort((a, b) => Number(usedSet.has(a.key)) - Number(usedSet.has(b.key)));
  return rankAndTrim(ordered, (suggestion) => suggestion.key, typed.trim(), limit);
}

/** Values to offer for `typed` (the text after `=`); nothing when the value is typed out in full. */
export function suggestValues(values: readonly AttributeValue[], typed: string, limit = 12): AttributeValue[] {
  const matches = rankAndTrim(values, (value) => value.value, typed, limit);
  return matches.length === 1 && matches[0]!.value === typed ? [] : matches;
}
